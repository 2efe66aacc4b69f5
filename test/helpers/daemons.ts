import { readdirSync, readFileSync } from 'node:fs';
import { after } from 'node:test';
import { procStatFields } from '../../runtime/src/process/proc-stat';

/** The PID on the first line of a PID file. */
export function pidInFile(path: string): number {
  return Number(readFileSync(path, 'utf8').split('\n')[0]);
}

/** True while the process exists and has not ended: a zombie counts as ended (our PID 1 may never reap it). */
export function runs(pid: number): boolean {
  const state = procStatFields(pid)?.[0];
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** The running processes whose command line contains `text` (a path unique to a test). */
export function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(text) && runs(Number(name));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Kills a daemon with its program: a daemon leads a session and process group of its own, and
 * its program is in that group. Daemons are detached, so the tests' deadlines never reach them.
 */
export function killDaemon(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The set in which a test file records the daemons it starts: they are killed after its tests. */
export function trackDaemons(): Set<number> {
  const started = new Set<number>();
  after(() => {
    for (const pid of started) killDaemon(pid);
  });
  return started;
}
