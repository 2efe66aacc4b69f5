import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Processes this run started, directly or through a guard, that may still be alive. */
const alive = new Set<number>();

/** Counts a process a launched one started (a guarded program) as ours to clean up. */
export function adopt(pid: number): void {
  alive.add(pid);
}

/** The process is known to be gone; its pid may be reused, so it must not be killed later. */
export function release(pid: number): void {
  alive.delete(pid);
}

/** SIGKILLs every process of this run still alive. */
export function killAlive(): void {
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ended on its own since
    }
    alive.delete(pid);
  }
}

export interface Launched {
  readonly pid: number;
  /** The next stdout line matching `pattern`; lines before it are passed over. */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited with status 0; rejects on anything else. */
  readonly finished: Promise<void>;
}

/**
 * Starts `node <args>` with stdout read line by line. A process still running after
 * `timeoutMs` is killed, so a hung bench program fails the run instead of stalling it.
 */
export function launchNode(args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Launched {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start node ${args.join(' ')}`);
  adopt(pid);

  const lines: string[] = [];
  let stderr = '';
  let ended: string | undefined;
  let wake = (): void => undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const describe = (what: string) => new Error(`node ${args.join(' ')} ${what}${stderr ? `\n${stderr.trimEnd()}` : ''}`);
  const finished = new Promise<void>((resolve, reject) => {
    // 'close', not 'exit': by then every line the process wrote has been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      release(pid);
      ended = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (timed out?)' : ''}` : `exited with code ${code}`;
      wake();
      if (code === 0) resolve();
      else reject(describe(ended));
    });
  });
  // A caller waiting for a line learns of a failed exit from line(); don't also report it unhandled.
  finished.catch(() => undefined);

  let cursor = 0;
  async function line(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      while (cursor < lines.length) {
        const match = pattern.exec(lines[cursor++]);
        if (match) return match;
      }
      if (ended !== undefined) throw describe(`${ended} before printing a line like ${pattern}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  }
  return { pid, line, finished };
}
