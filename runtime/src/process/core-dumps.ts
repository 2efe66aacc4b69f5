import { spawnSync } from 'node:child_process';

/**
 * Sets this process's core file size limit to zero, soft and hard, so neither it nor the
 * processes it starts later leave a core file. Node has no setrlimit(); util-linux's prlimit
 * sets the limit from outside, through prlimit(2) on our PID. Returns why it could not, or
 * undefined once done.
 */
export function disableCoreDumps(): string | undefined {
  const result = spawnSync('prlimit', ['--core=0', `--pid=${process.pid}`], { stdio: 'ignore' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return 'prlimit (util-linux) is not installed';
  if (result.error || result.status !== 0) return `prlimit failed (${result.error?.message ?? `status ${result.status ?? result.signal}`})`;
  return undefined;
}
