import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { ProcessIdentity } from '@faultguard/protocol';
import { procStatFields } from './proc-stat';

/** Start time of a process in clock ticks since boot, or "" when it does not exist (or no procfs). */
export function processStartTime(pid: number): string {
  return procStatFields(pid)?.[19] ?? ''; // field 22
}

let thisBoot: string | undefined;

/** This boot's id: read once, as it cannot change while this process lives (a reboot ends it). */
export function bootId(): string {
  if (thisBoot === undefined) {
    try {
      thisBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      thisBoot = '';
    }
  }
  return thisBoot;
}

let ownNamespace: string | undefined;

/**
 * The PID namespace a process lives in (e.g. "pid:[4026531836]"), or "" when it cannot be read.
 * Our own is read once: unshare() and setns() move only the children a process starts later.
 */
export function pidNamespace(pid: number | 'self'): string {
  if (pid === 'self' && ownNamespace !== undefined) return ownNamespace;
  let namespace: string;
  try {
    namespace = readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    namespace = '';
  }
  if (pid === 'self') ownNamespace = namespace;
  return namespace;
}

export function identityOf(pid: number): ProcessIdentity {
  return { pid, startTime: processStartTime(pid), bootId: bootId(), host: hostName(), pidNamespace: pidNamespace(pid) };
}

let host = { name: '', readAt: -Infinity };

/**
 * This machine's name, asked of the kernel at most once a second: a listing judges thousands of
 * writers by it, and a rename of the machine shows within that second.
 */
export function hostName(now = Date.now()): string {
  if (now - host.readAt >= 1000) host = { name: hostname(), readAt: now };
  return host.name;
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
  if (identity.host !== hostName()) return { state: 'unknown', reason: `written on another host (${identity.host})` };
  const currentBoot = bootId();
  if (identity.bootId && currentBoot && identity.bootId !== currentBoot) return { state: 'gone', reason: 'written before the last reboot' };
  // A container sharing the host's name and kernel: its PIDs mean nothing in our /proc.
  const namespace = pidNamespace('self');
  if (identity.pidNamespace && namespace && identity.pidNamespace !== namespace) {
    return { state: 'unknown', reason: `written in another PID namespace (${identity.pidNamespace}, a container?)` };
  }
  // Most writers a listing looks at are gone: asked first without an exception, which costs more than the look.
  const visible = existsSync(`/proc/${identity.pid}`);
  const fields = visible ? procStatFields(identity.pid) : undefined;
  if (fields === undefined) {
    // /proc mounted with hidepid hides other users' processes (1: their files, 2: them): ask the kernel instead.
    if ((visible || procMayHide()) && existsUnseen(identity.pid)) return { state: 'unknown', reason: `process ${identity.pid} exists but /proc does not show it to this user` };
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

let hiding: boolean | undefined;

/** Whether /proc may leave out processes that exist: hidepid=2 hides even init from other users (or there is no procfs). */
function procMayHide(): boolean {
  hiding ??= !existsSync('/proc/1');
  return hiding;
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
