// What a guard costs a program's start. `faultguard run -- true` as a user types it (through the
// installed launcher, runtime/bin/faultguard), against a bare `node -e ''` WITHOUT a certificate
// bundle: the launcher keeps NODE_EXTRA_CA_CERTS from the guard's own Node, so the guard should
// cost the same whether the machine sets it or not. And start(): how much later the program's
// launch begins than in the same script run unguarded, against that bare script's own start.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Measurement } from './measurement';
import { benchProgram, LAUNCHER } from './paths';
import { median, nsToMs } from './stats';

const RUNS = 20;
/** Pairs run first and thrown away: they fill the page cache, which later runs all find full. */
const WARMUP_RUNS = 2;

const WITHOUT_CA = { ...process.env, NODE_EXTRA_CA_CERTS: undefined };
/** The bundle this machine's Node would parse: the machine's own setting, or Debian's bundle. */
const CA_BUNDLE = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
const WITH_CA = { ...process.env, NODE_EXTRA_CA_CERTS: CA_BUNDLE };

/** Wall time from spawning `command` to its exit, in ms. */
function timeRun([command, ...args]: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  const elapsed = nsToMs(process.hrtime.bigint() - start);
  if (result.status !== 0) throw new Error(`${[command, ...args].join(' ')} ended with ${result.status ?? result.signal}\n${result.stderr}`);
  return elapsed;
}

/** Wall time from spawning `command` to its first line on stdout, in ms; waits for its exit. */
function timeToFirstLine([command, ...args]: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let elapsed: number | undefined;
    child.stdout.once('data', () => (elapsed = nsToMs(process.hrtime.bigint() - start)));
    child.stdout.resume();
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 && elapsed !== undefined ? resolve(elapsed) : reject(new Error(`${command} ${args.join(' ')} ended with ${code} before a line`))));
  });
}

/** Medians of interleaved runs, in alternating order, so drift and cache effects hit all alike. */
async function interleaved<K extends string>(runs: Record<K, () => number | Promise<number>>): Promise<Record<K, number[]>> {
  const names = Object.keys(runs) as K[];
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < WARMUP_RUNS + RUNS; i++) {
    for (const name of i % 2 === 0 ? names : [...names].reverse()) {
      const ms = await runs[name]();
      if (i >= WARMUP_RUNS) samples[name].push(ms);
    }
  }
  return samples;
}

function runTrue(env: NodeJS.ProcessEnv, condition: string): Measurement {
  const label = `faultguard run -- true (${condition})`;
  return {
    label,
    async measure() {
      const samples = await interleaved({
        bare: () => timeRun([process.execPath, '-e', ''], WITHOUT_CA),
        guarded: () => timeRun([LAUNCHER, 'run', '--', 'true'], env),
        guardedNode: () => timeRun([LAUNCHER, 'run', '--', process.execPath, '-e', ''], env),
        bareNode: () => timeRun([process.execPath, '-e', ''], env),
      });
      const [guarded, bare] = [median(samples.guarded), median(samples.bare)];
      return {
        id: `startup ${condition}`,
        measured: { label, value: guarded, unit: 'ms' },
        reference: { label: "node -e '' without the CA bundle", value: bare, unit: 'ms' },
        target: 'difference ≤ 25 ms',
        note: `difference ${(guarded - bare).toFixed(1)} ms; run -- node -e '' ${median(samples.guardedNode).toFixed(1)} ms against node -e '' ${median(samples.bareNode).toFixed(1)} ms in the same environment; median of ${RUNS} runs each`,
        details: { differenceMs: guarded - bare, samples },
      };
    },
  };
}

const START_APP = benchProgram('start-app');

const START_DELAY: Measurement = {
  label: "start(): the program's launch, against the same script unguarded",
  async measure() {
    const samples = await interleaved({
      bare: () => timeToFirstLine([process.execPath, START_APP, 'bare'], process.env),
      guarded: () => timeToFirstLine([process.execPath, START_APP], process.env),
    });
    const [guarded, bare] = [median(samples.guarded), median(samples.bare)];
    const delay = guarded - bare;
    return {
      id: 'start() launch delay',
      measured: { label: 'launch begins later by', value: delay, unit: 'ms' },
      reference: { label: 'node app.js, to its launch', value: bare, unit: 'ms' },
      target: 'delay ≤ reference + 30 ms',
      note: `delay − reference ${(delay - bare).toFixed(1)} ms (the guard's own work: the program is a second node app.js); median of ${RUNS} runs each`,
      details: { samples },
    };
  },
};

/** VmRSS of a process, in MiB. */
function rssMiB(pid: number): number {
  const kB = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kB) throw new Error(`no VmRSS for ${pid}`);
  return Number(kB[1]) / 1024;
}

/** The RSS of a process that has started and settled, read once it prints its first line. */
async function settledRss(command: readonly string[], env: NodeJS.ProcessEnv, pidOf: (child: number) => number): Promise<number> {
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env });
  try {
    await new Promise((resolve) => child.stdout.once('data', resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    return rssMiB(pidOf(child.pid!));
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const GUARD_RSS: Measurement = {
  label: 'guard RSS at rest, against a bare Node process',
  async measure() {
    const wait = [process.execPath, '-e', "process.stdout.write('up\\n'); setTimeout(() => {}, 60_000)"];
    // The guard is the launcher's exec'ed node: the child's own pid.
    const guard = median(await Promise.all([0, 1, 2].map(() => settledRss([LAUNCHER, 'run', '--', ...wait], WITH_CA, (pid) => pid))));
    const bare = median(await Promise.all([0, 1, 2].map(() => settledRss(wait, WITHOUT_CA, (pid) => pid))));
    return {
      id: 'guard rss at rest',
      measured: { label: 'guard VmRSS (CA bundle set)', value: guard, unit: 'MiB' },
      reference: { label: 'bare node VmRSS, no CA bundle', value: bare, unit: 'MiB' },
      target: 'difference ≤ 8 MiB',
      note: `difference ${(guard - bare).toFixed(1)} MiB; median of 3`,
      details: { guard, bare },
    };
  },
};

export const STARTUP: readonly Measurement[] = [runTrue(WITHOUT_CA, 'no NODE_EXTRA_CA_CERTS'), runTrue(WITH_CA, 'NODE_EXTRA_CA_CERTS set'), START_DELAY, GUARD_RSS];
