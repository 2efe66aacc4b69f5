// The Python client's figures, each beside the original faultguard 1.1.1 measured in the same run
// (imported from ../shared/peers, never copied): a 64 B store against a bare os.pwrite (and a
// breadcrumb and a watchdog ping against that store), SIGKILL →
// rescue with 100,000 and 1,000,000 small values, and one autosave of a 7 MB state.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Measurement } from './measurement';
import { CLI } from './paths';
import type { Figure } from './report';
import type { Scratch } from './scratch';
import { median } from './stats';

const REPO_ROOT = resolve(__dirname, '../../..');
const DRIVER = join(REPO_ROOT, 'test', 'bench', 'python_client.py');
const OURS = join(REPO_ROOT, 'runtime', 'python');
const ORIGINAL = join(REPO_ROOT, '..', 'shared', 'peers', 'faultguard-1.1.1');
/** Debian's interpreter, as the tests use it (test/conformance/adapters/python.ts). */
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

type Module = 'ours' | 'original';

/** The driver, run by Python; `guard`: under the CLI's guard with these options of `faultguard run`. */
function measureWith(module: Module, args: readonly string[], guard?: readonly string[]): Record<string, number> {
  if (module === 'original' && !existsSync(join(ORIGINAL, 'faultguard.py'))) throw new Error(`the original faultguard is not in ${ORIGINAL}`);
  const command = [PYTHON, DRIVER, ...args];
  const result = spawnSync(guard ? process.execPath : PYTHON, guard ? [CLI, 'run', '-q', ...guard, '--', ...command] : command.slice(1), {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: module === 'ours' ? OURS : ORIGINAL, PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 300_000,
    maxBuffer: 64 << 20,
  });
  const line = /^result (.*)$/m.exec(result.stdout ?? '');
  if (!line) throw new Error(`${module} ${args.join(' ')}: no result (status ${result.status ?? result.signal})\n${result.stderr}`);
  return JSON.parse(line[1]) as Record<string, number>;
}

function folder(scratch: Scratch, name: string): string {
  const path = scratch.file(name);
  mkdirSync(path, { recursive: true });
  return path;
}

export const PYTHON_SET_COST: Measurement = {
  label: 'Python client: 64 B store',
  async measure(scratch): Promise<Figure> {
    const ours = measureWith('ours', ['set', folder(scratch, 'py-set-ours')]);
    const original = measureWith('original', ['set', folder(scratch, 'py-set-original')]);
    return {
      id: 'python-store-64B',
      measured: { label: 'Python data[k] = 64 B', value: ours.storeNs / 1000, unit: 'µs' },
      reference: { label: 'os.pwrite() 64 B', value: ours.pwriteNs / 1000, unit: 'µs' },
      target: 'ratio ≤ 2×',
      note: `the original 1.1.1, same run: ${(original.storeNs / 1000).toFixed(1)} µs (${(original.storeNs / original.pwriteNs).toFixed(0)}× its os.pwrite)`,
      details: { ours, original },
    };
  },
};

/**
 * An operation of ours timed by turns with a 64 B store in the same process (so that both meet
 * the same machine): the driver's `mode` reports `<result>Ns` and `storeNs`.
 */
function besideAStore(figure: { label: string; id: string; mode: string; result: string; measured: string; target: string; where: string; guard?: readonly string[] }): Measurement {
  return {
    label: figure.label,
    async measure(): Promise<Figure> {
      const ours = measureWith('ours', [figure.mode], figure.guard);
      return {
        id: figure.id,
        measured: { label: figure.measured, value: ours[`${figure.result}Ns`] / 1000, unit: 'µs' },
        reference: { label: 'Python data[k] = 64 B, same run', value: ours.storeNs / 1000, unit: 'µs' },
        target: figure.target,
        note: `by turns ${figure.where}, 40 batches of 5,000 each`,
        details: { ours },
      };
    },
  };
}

export const PYTHON_BREADCRUMB = besideAStore({
  label: 'Python client: a breadcrumb', id: 'python-breadcrumb', mode: 'breadcrumb', result: 'breadcrumb',
  measured: 'Python data.breadcrumb(64 characters)', target: 'ratio ≤ 1.5×', where: 'in one child of start()',
});

export const PYTHON_PING = besideAStore({
  label: 'Python client: a watchdog ping', id: 'python-ping', mode: 'ping', result: 'ping', guard: ['--watchdog', '3600'],
  measured: 'Python data.ping()', target: 'ratio ≤ 1×', where: 'under faultguard run --watchdog',
});

/** The original's 100,000-value rescue, measured once per run and shared by both rescue figures. */
let original100k: number | undefined;
function originalRescue100k(): number {
  original100k ??= measureWith('original', ['rescue', '100000']).seconds;
  return original100k;
}

/**
 * SIGKILL → rescue with `count` small values. The original's 100,000 is the reference of both
 * figures: at 1,000,000 it takes over a minute (its time grows linearly), so it is scaled there.
 */
function rescueMeasurement(count: number, runs: number, target: string): Measurement {
  const label = `Python client: SIGKILL → rescue, ${count.toLocaleString('en')} values`;
  const scale = count / 100_000;
  return {
    label,
    async measure(): Promise<Figure> {
      const seconds = Array.from({ length: runs }, () => measureWith('ours', ['rescue', String(count)]).seconds);
      const original = originalRescue100k() * scale;
      return {
        id: `python-kill-to-rescue-${count}`,
        measured: { label: label.replace('Python client: ', 'Python '), value: median(seconds) * 1000, unit: 'ms' },
        reference: { label: scale === 1 ? 'the original 1.1.1, same values' : `the original's 100,000 × ${scale} (same run)`, value: original * 1000, unit: 'ms' },
        target,
        note: `median of ${runs} run${runs === 1 ? '' : 's'}; the original once, at 100,000${scale === 1 ? '' : ', scaled'}`,
        details: { oursSeconds: seconds, originalSeconds: original },
      };
    },
  };
}

export const PYTHON_RESCUE_100K = rescueMeasurement(100_000, 3, 'ratio ≤ 0.1× (1/10 of the original)');
export const PYTHON_RESCUE_1M = rescueMeasurement(1_000_000, 1, '≤ 10 s');

export const PYTHON_AUTOSAVE: Measurement = {
  label: 'Python client: autosave of a 7 MB state',
  async measure(scratch): Promise<Figure> {
    const ours = measureWith('ours', ['autosave', folder(scratch, 'py-autosave-ours')]);
    const original = measureWith('original', ['autosave', folder(scratch, 'py-autosave-original')]);
    const state = original.bytes; // the state as the original pickles it: one size for both rates
    const mbps = (seconds: number) => state / seconds / 1e6;
    return {
      id: 'python-autosave',
      measured: { label: `Python autosave, ${(state / 1e6).toFixed(1)} MB state`, value: mbps(ours.seconds), unit: 'MB/s' },
      reference: { label: 'the original 1.1.1, same state', value: mbps(original.seconds), unit: 'MB/s' },
      target: 'ratio ≥ 10×',
      note: `${(ours.seconds * 1000).toFixed(0)} ms per save (${(ours.onDisk / 1e6).toFixed(2)} MB on disk) vs ${(original.seconds * 1000).toFixed(0)} ms (${(original.onDisk / 1e6).toFixed(2)} MB)`,
      details: { ours, original },
    };
  },
};

export const PYTHON_CLIENT: readonly Measurement[] = [PYTHON_SET_COST, PYTHON_BREADCRUMB, PYTHON_PING, PYTHON_RESCUE_100K, PYTHON_RESCUE_1M, PYTHON_AUTOSAVE];
