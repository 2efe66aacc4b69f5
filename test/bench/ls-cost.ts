// What `faultguard ls` costs per file, against the least a lister does (bare-listing.ts: scandir,
// stat, a 4 KiB read of each file). Both are timed as the processes a user starts, on a folder of
// N autosaves and on an empty one: (time at N − time empty) / N is the cost of one more file,
// without Node's start-up. The files are copies of one real autosave of a run whose guard was
// SIGKILLed (state "running", writer gone): each is judged in full, /proc included. The note adds
// the same for copies of a crashed run's (state "exited"), judged without /proc: the usual folder.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readAutosaveHead } from '@faultguard/runtime';
import { eventually, fixture, launch, run } from '../helpers/processes';
import type { Measurement } from './measurement';
import { benchProgram, CLI } from './paths';
import type { Scratch } from './scratch';
import { median, nsToMs } from './stats';

const RUNS = 7;

let orphaned: Promise<string> | undefined;
let crashed: Promise<string> | undefined;

/** An autosave whose guard was killed after its first save with data: it lists as orphaned. */
function orphanedAutosave(scratch: Scratch): Promise<string> {
  orphaned ??= (async () => {
    const file = scratch.file('ls-original.fgsave');
    const program = launch(process.execPath, [fixture('crash-app'), 'wait'], { env: { ...process.env, AUTOSAVE: file, AUTOSAVE_INTERVAL: '0.1' }, deadlineMs: 60_000 });
    await program.waitForLine(/ready/);
    await eventually(() => {
      if (readAutosaveHead(file).header.data.entries !== 3) throw new Error('not saved yet');
    });
    process.kill(-program.pid, 'SIGKILL'); // guard and program at once, as a crash of the machine's user session would
    await program.exited;
    return file;
  })();
  return orphaned;
}

/** An autosave of a run whose program was SIGKILLed and whose guard recorded it: it lists as crashed. */
function crashedAutosave(scratch: Scratch): Promise<string> {
  crashed ??= (async () => {
    const file = scratch.file('ls-crashed.fgsave');
    const result = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...process.env, AUTOSAVE: file }, deadlineMs: 60_000 });
    if (result.signal !== 'SIGKILL') throw new Error(`crash-app kill ended with ${result.code ?? result.signal}: ${result.stderr}`);
    return file;
  })();
  return crashed;
}

function folderOf(scratch: Scratch, file: string, count: number, name: string): string {
  const folder = scratch.file(`ls-${name}-${count}`);
  mkdirSync(folder);
  for (let i = 0; i < count; i++) copyFileSync(file, join(folder, `run-${String(i).padStart(5, '0')}.fgsave`));
  return folder;
}

function wallMs(args: readonly string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = nsToMs(process.hrtime.bigint() - started);
  if (result.status !== 0 && !/no autosave files here/.test(result.stderr)) throw new Error(`node ${args.join(' ')}: ${result.stderr}`);
  return ms;
}

/** µs per file: the median over interleaved runs of (time at `full` − time at `empty`) / count. */
function perFile(args: (folder: string) => readonly string[], full: string, empty: string, count: number, samples: number[]): number {
  const at = (folder: string) => wallMs(args(folder));
  at(full); // a first run fills the page cache
  for (let i = 0; i < RUNS; i++) samples.push(((at(full) - at(empty)) * 1000) / count);
  return median(samples);
}

function lsCost(count: number): Measurement {
  return {
    label: `faultguard ls, ${count.toLocaleString('en')} files`,
    async measure(scratch) {
      const full = folderOf(scratch, await orphanedAutosave(scratch), count, 'orphaned');
      const ofCrashed = folderOf(scratch, await crashedAutosave(scratch), count, 'crashed');
      const empty = scratch.file(`ls-empty-${count}`);
      mkdirSync(empty);
      const lsSamples: number[] = [];
      const bareSamples: number[] = [];
      const crashedSamples: number[] = [];
      const ls = perFile((folder) => [CLI, 'ls', folder], full, empty, count, lsSamples);
      const bare = perFile((folder) => [benchProgram('bare-listing'), folder], full, empty, count, bareSamples);
      const lsCrashed = perFile((folder) => [CLI, 'ls', folder], ofCrashed, empty, count, crashedSamples);
      return {
        id: `ls-${count}`,
        measured: { label: `faultguard ls, per file (${count.toLocaleString('en')} orphaned runs)`, value: ls, unit: 'µs' },
        reference: { label: 'scandir + stat + 4 KiB read, per file', value: bare, unit: 'µs' },
        target: count === 10_000 ? '≤ 2× the bare reference' : 'none stated (print it)',
        note: `crashed runs: ${lsCrashed.toFixed(1)} µs per file (${(lsCrashed / bare).toFixed(2)}×); (time with ${count} files − time with none) / ${count}; median of ${RUNS} runs`,
        details: { lsUs: lsSamples, bareUs: bareSamples, lsCrashedUs: crashedSamples },
      };
    },
  };
}

export const LS_COST: readonly Measurement[] = [lsCost(1000), lsCost(10_000)];
