import { readdirSync, readFileSync } from 'node:fs';
import { procStatFields } from './proc-stat';

/** A process's command line, for messages ("node server.js"); undefined when it cannot be read. */
export function commandLineOf(pid: number): string | undefined {
  try {
    const words = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((word) => word !== '');
    return words.length > 0 ? words.join(' ') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The PIDs of a process's children. Found by their parent field in /proc/<pid>/stat: the
 * kernel's own list (/proc/<pid>/task/<pid>/children) is optional and often missing.
 */
export function childrenOf(pid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  return names.filter((name) => /^\d+$/.test(name) && procStatFields(Number(name))?.[1] === String(pid)).map(Number);
}

/** The real user id a process runs as, or undefined when it cannot be read. */
export function ownerOfProcess(pid: number): number | undefined {
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return uid === undefined ? undefined : Number(uid);
  } catch {
    return undefined;
  }
}
