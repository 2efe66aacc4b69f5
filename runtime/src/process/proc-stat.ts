import { readFileSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command name (field 3, the state, comes first), or
 * undefined when there is no such process or no procfs. The name is cut off by its last ')',
 * since it may itself contain spaces and parentheses.
 */
export function procStatFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
