import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** The repository root. Found by looking up, because bundling moves this code into each test file. */
export const ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'esbuild.mjs'))) return dir;
  }
  throw new Error(`no repository root above ${start}`);
}
export const CLI = join(ROOT, 'runtime', 'dist', 'cli.js');

export function fixture(name: string): string {
  return join(ROOT, 'out', 'test', 'fixtures', `${name}.js`);
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly pid: number;
  /** Resolves with the first stdout line matching, rejecting if the process ends first. */
  waitForLine(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves when all output is in: the process and every holder of its pipes have ended. */
  readonly finished: Promise<Finished>;
  /** Resolves as soon as the process itself has ended (children may still hold its pipes). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** Everything the process has printed on stdout so far. */
  output(): string;
  /** Writes to the process's stdin (spawn it with stdio[0] 'pipe'). */
  write(text: string): void;
  /** The readable end of descriptor `fd` of the process (spawn it with stdio[fd] 'pipe'). */
  extraOutput(fd: number): NodeJS.ReadableStream;
}

/**
 * Starts a process and collects its output. It gets a session of its own, so that the suite
 * behaves the same from a terminal and from CI (no controlling terminal, whatever the runner
 * has). A deadline kills its whole process group, so a hung process fails its test instead of
 * hanging the suite, and leaves nothing behind.
 */
export function launch(command: string, args: readonly string[], options: SpawnOptions & { deadlineMs?: number } = {}): Running {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...options });
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }> = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...waiters]) {
      const match = stdout.match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = setTimeout(() => killGroup(child.pid), options.deadlineMs ?? 30_000);
  const finished = new Promise<Finished>((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      const result = { code, signal, stdout, stderr };
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`process ended (${code ?? signal}) before printing ${waiter.pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
      resolvePromise(result);
    });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) =>
    child.once('exit', (code, signal) => resolvePromise({ code, signal })),
  );
  return {
    pid: child.pid ?? 0,
    exited,
    finished,
    kill: (signal) => child.kill(signal),
    output: () => stdout,
    write: (text) => child.stdin?.write(text),
    extraOutput: (fd) => child.stdio[fd] as NodeJS.ReadableStream,
    waitForLine: (pattern) =>
      new Promise((resolvePromise, reject) => {
        const match = stdout.match(pattern);
        if (match) resolvePromise(match);
        else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`process already ended; stdout: ${stdout}`));
        else waiters.push({ pattern, resolve: resolvePromise, reject });
      }),
  };
}

export function run(command: string, args: readonly string[], options: SpawnOptions & { deadlineMs?: number } = {}): Promise<Finished> {
  return launch(command, args, options).finished;
}

/** A fresh private folder, removed by the returned function. */
export function temporaryDirectory(prefix = 'faultguard-test-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** True while a process with this PID exists (and is not a zombie we could reap). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Retries `check` until it returns without throwing, or rethrows its last error after
 * `timeoutMs`: for states another process reaches in its own time (a file written, a save made).
 */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
