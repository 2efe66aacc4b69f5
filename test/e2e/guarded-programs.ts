// Real guarded runs for the editor tests: a program that stores values through the runtime's
// client, under the runtime CLI's guard, autosaving into the workspace, killed by a real signal.
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, launch, type Running } from '../helpers/processes';
import { within } from './deadline';
import { stopTree } from './process-tree';

const AUTOSAVE_FOLDER = '.faultguard';
const CLIENT = join(ROOT, 'runtime', 'dist', 'index.js');

/**
 * Writes `<workspace>/<name>`: a Node program that stores `values` (and `bytes`, as bytes) with the TypeScript client,
 * prints `ready <pid>`, then waits to be killed, or aborts (a real SIGABRT of its own).
 */
export function writeProgram(workspace: string, name: string, values: Record<string, unknown>, end: 'wait' | 'abort', bytes: Record<string, number[]> = {}): string {
  const path = join(workspace, name);
  mkdirSync(workspace, { recursive: true });
  writeFileSync(
    path,
    [
      `// A guarded program of the editor tests: stores its values, then ${end === 'wait' ? 'waits to be killed' : 'aborts'}.`,
      `const data = require(${JSON.stringify(CLIENT)}).connect();`,
      `if (!data) throw new Error('not run under the guard');`,
      `for (const [key, value] of Object.entries(${JSON.stringify(values)})) data.set(key, value);`,
      `for (const [key, value] of Object.entries(${JSON.stringify(bytes)})) data.set(key, Buffer.from(value));`,
      'process.stdout.write(`ready ${process.pid}\\n`);',
      end === 'wait' ? 'setInterval(() => {}, 60_000);' : 'process.abort();',
      '',
    ].join('\n'),
  );
  return path;
}

export interface GuardedRun {
  readonly guard: Running;
  readonly programPid: number;
}

/** Starts `node <program>` under the CLI's guard in `workspace` (so it reads as `node <name>`), once it has stored its values. */
export async function startGuardedRun(workspace: string, program: string): Promise<GuardedRun> {
  // Autosaves every second: a live run's file is fresh whenever the editor looks.
  const args = [CLI, 'run', '--autosave', `${join(workspace, AUTOSAVE_FOLDER)}/`, '--interval', '1', '--', 'node', program];
  const guard = launch(process.execPath, args, { cwd: workspace, deadlineMs: 10 * 60_000 });
  const [, pid] = await stoppedOnFailure(guard, within(guard.waitForLine(/^ready (\d+)$/m), 30_000, () => `${program} to store its values; it printed: ${guard.output()}`));
  return { guard, programPid: Number(pid) };
}

/** Kills the program with `signal` and waits until its guard has recorded the end and exited like it. */
export async function killProgram(run: GuardedRun, signal: NodeJS.Signals): Promise<void> {
  process.kill(run.programPid, signal);
  const ended = await stoppedOnFailure(run.guard, within(run.guard.finished, 60_000, `the guard to end after ${signal} of its program`));
  assert.equal(ended.signal, signal, `the guard ends like its program: ${ended.stderr}`);
}

/** `waiting`, with the guard and its program killed if it fails: a failed test leaves no run behind. */
async function stoppedOnFailure<T>(guard: Running, waiting: Promise<T>): Promise<T> {
  try {
    return await waiting;
  } catch (error) {
    await stopTree(guard.pid);
    throw error;
  }
}

/** A run that crashed before the editor opened: started, killed by `signal`, its autosave on disk. */
export async function crashedRun(workspace: string, program: string, signal: NodeJS.Signals): Promise<string> {
  const before = new Set(autosaves(workspace));
  await killProgram(await startGuardedRun(workspace, program), signal);
  const made = autosaves(workspace).filter((file) => !before.has(file));
  assert.equal(made.length, 1, `one new autosave in ${workspace}: ${made.join(', ')}`);
  return made[0];
}

/** The autosave files (not their previous generations) in the workspace's autosave folder. */
export function autosaves(workspace: string): string[] {
  const folder = join(workspace, AUTOSAVE_FOLDER);
  try {
    return readdirSync(folder)
      .filter((name) => name.endsWith('.fgsave'))
      .map((name) => join(folder, name));
  } catch {
    return [];
  }
}

/**
 * Damages an autosave as a failing disk would: bytes inside the header of both generations (so
 * that no previous generation stands in for the newest) overwritten, the files' lengths kept.
 */
export function damageAutosave(file: string): void {
  for (const generation of [file, `${file}.prev`]) {
    const fd = openSync(generation, 'r+');
    try {
      writeSync(fd, Buffer.from('XXXXXXXX'), 0, 8, 30);
    } finally {
      closeSync(fd);
    }
  }
}
