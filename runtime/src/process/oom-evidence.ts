import { closeSync, constants, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

// Whether the kernel's out-of-memory killer killed a process (protocol/SPEC.md §10.4). A SIGKILL
// says nothing of who sent it, so the guard asks the kernel, and attributes a death to the OOM
// killer only on its word: the kernel log naming the process, or, where that log cannot be read,
// the oom_kill counter of the process's memory cgroup having risen while it ran. Never a guess.

/** The memory cgroup counter a process was born under, read when it started. */
export interface OomWatch {
  readonly pid: number;
  /** The file holding its cgroup's oom_kill counter, and the count when the process started. */
  readonly counter?: { readonly file: string; readonly atStart: number };
  /** The process's start, in seconds since boot (from its start time in clock ticks). */
  readonly startedSeconds?: number;
}

/** USER_HZ: the unit of /proc/<pid>/stat's start time, 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export function watchOom(pid: number, startTime: string): OomWatch {
  const file = memoryCounterFile(pid);
  const atStart = file === undefined ? undefined : oomKillCount(file);
  const ticks = Number(startTime);
  return {
    pid,
    ...(file !== undefined && atStart !== undefined && { counter: { file, atStart } }),
    ...(Number.isFinite(ticks) && ticks > 0 && { startedSeconds: ticks / CLOCK_TICKS_PER_SECOND }),
  };
}

/** What shows that the OOM killer killed the watched process, or undefined if nothing does. */
export function oomEvidence(watch: OomWatch): string | undefined {
  const { counter } = watch;
  const now = counter && oomKillCount(counter.file);
  const rose = counter !== undefined && now !== undefined && now > counter.atStart;
  // The kernel counts every OOM kill, global or the cgroup's own, in the victim's memory cgroup: a
  // counter that has not risen rules the OOM killer out without the log, which takes tens of
  // milliseconds to read through (a record a read) and would delay every rescue of a SIGKILL.
  if (counter !== undefined && now !== undefined && !rose) return undefined;
  const log = kernelLogLine(watch);
  if (typeof log === 'string') return `the kernel log: ${log}`;
  if (log === false) return undefined; // the log is readable and does not name it
  return rose ? `the oom_kill counter of its memory cgroup rose from ${counter.atStart} to ${now} (${counter.file})` : undefined;
}

/** cgroup v2's memory.events, or v1's memory.oom_control, of the process's memory cgroup. */
function memoryCounterFile(pid: number): string | undefined {
  let lines: string[];
  let mounts: string[];
  try {
    lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
    mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
  } catch {
    return undefined;
  }
  // "0::/path" is the unified (v2) hierarchy; "N:memory,...:/path" the v1 memory controller.
  const v1 = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('memory'));
  if (v1) {
    const mount = mountOf(mounts, (type, options) => type === 'cgroup' && options.split(',').includes('memory'));
    return mount && join(mount.point, relativeTo(mount.root, v1.slice(2).join(':')), 'memory.oom_control');
  }
  const v2 = lines.map((line) => line.split(':')).find(([id, controllers]) => id === '0' && controllers === '');
  const mount = v2 && mountOf(mounts, (type) => type === 'cgroup2');
  return mount && join(mount.point, relativeTo(mount.root, v2!.slice(2).join(':')), 'memory.events');
}

/** A mountinfo line: id parent major:minor root point options ... - type source super-options. */
function mountOf(mounts: readonly string[], matches: (type: string, superOptions: string) => boolean): { root: string; point: string } | undefined {
  for (const line of mounts) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const fields = left.split(' ');
    const [type, , superOptions = ''] = right.split(' ');
    if (matches(type, superOptions)) return { root: fields[3], point: fields[4] };
  }
  return undefined;
}

function relativeTo(root: string, path: string): string {
  return root !== '/' && path.startsWith(root) ? path.slice(root.length) : path;
}

function oomKillCount(file: string): number | undefined {
  try {
    const count = /^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
    return count === undefined ? undefined : Number(count);
  } catch {
    return undefined;
  }
}

/**
 * The kernel log's line (/dev/kmsg, readable by root) on the OOM killer killing this process
 * after it started; false when the log does not have one, undefined when it cannot be read here.
 */
function kernelLogLine({ pid, startedSeconds }: OomWatch): string | false | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const killed = new RegExp(`Killed process ${pid} `);
  const record = Buffer.allocUnsafe(8192);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, record, 0, record.length, null); // one record a read
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // the ring overwrote what we were at: go on with the next
        if (code === 'EAGAIN') return false; // the end
        return undefined;
      }
      if (n === 0) return false;
      // "priority,sequence,microseconds,flags;message"
      const text = record.toString('utf8', 0, n);
      const [prefix = '', message = ''] = text.split(';', 2);
      const micros = Number(prefix.split(',')[2]);
      if (killed.test(message) && (startedSeconds === undefined || micros / 1e6 >= startedSeconds)) return message.split('\n')[0].slice(0, 200);
    }
  } finally {
    closeSync(fd);
  }
}
