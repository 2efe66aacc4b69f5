import { readFileSync, readlinkSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { ProcessIdentity } from '@faultguard/protocol';
import { procStatFields } from './proc-stat';

/** Start time of a process in clock ticks since boot, or "" when it does not exist (or no procfs). */
export function processStartTime(pid: number): string {
  return procStatFields(pid)?.[19] ?? ''; // field 22
}

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** The PID namespace a process lives in (e.g. "pid:[4026531836]"), or "" when it cannot be read. */
export function pidNamespace(pid: number | 'self'): string {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return '';
  }
}

export function identityOf(pid: number): ProcessIdentity {
  return { pid, startTime: processStartTime(pid), bootId: bootId(), host: hostname(), pidNamespace: pidNamespace(pid) };
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
}

export type Liveness = { state: 'alive' | 'gone' | 'unknown'; reason: string };

/**
 * Whether the process an identity names still runs. A PID alone is not enough: after the
 * writer died its PID can be given to an unrelated process, so the start time must match too.
 * Written before the last reboot, or a zombie: gone. On another host, or from another PID
 * namespace (a container), this machine cannot tell: "unknown".
 */
export function liveness(identity: ProcessIdentity): Liveness {
  if (identity.host !== hostname()) return { state: 'unknown', reason: `written on another host (${identity.host})` };
  const currentBoot = bootId();
  if (identity.bootId && currentBoot && identity.bootId !== currentBoot) return { state: 'gone', reason: 'written before the last reboot' };
  // A container sharing the host's name and kernel: its PIDs mean nothing in our /proc.
  const namespace = pidNamespace('self');
  if (identity.pidNamespace && namespace && identity.pidNamespace !== namespace) {
    return { state: 'unknown', reason: `written in another PID namespace (${identity.pidNamespace}, a container?)` };
  }
  const fields = procStatFields(identity.pid);
  if (fields === undefined) {
    // /proc mounted with hidepid hides other users' processes: ask the kernel instead.
    if (existsUnseen(identity.pid)) return { state: 'unknown', reason: `process ${identity.pid} exists but /proc does not show it to this user` };
    return { state: 'gone', reason: `process ${identity.pid} no longer exists` };
  }
  // A zombie has ended; only its exit status is left to collect, and an orphan's may never be
  // (a container's PID 1 often does not reap).
  if (fields[0] === 'Z' || fields[0] === 'X') return { state: 'gone', reason: `process ${identity.pid} has exited` };
  const startTime = fields[19] ?? '';
  if (identity.startTime && startTime !== identity.startTime) {
    return { state: 'gone', reason: `process ${identity.pid} exited; its PID now belongs to another process` };
  }
  return { state: 'alive', reason: `process ${identity.pid} is running` };
}

/** kill(pid, 0) fails with EPERM for a process that exists but is not ours to signal. */
function existsUnseen(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
