import { hostname, userInfo } from 'node:os';
import type { ProcessIdentity } from '@faultguard/protocol';
import { currentPlatform } from './current-platform';

/** Start time of a process (see `Platform.process`), or "" when it does not exist. */
export function processStartTime(pid: number): string {
  return currentPlatform().process(pid)?.startTime ?? '';
}

export function identityOf(pid: number): ProcessIdentity {
  const platform = currentPlatform();
  return { pid, startTime: processStartTime(pid), bootId: platform.bootId(), host: hostName(), pidNamespace: platform.pidNamespace(pid) };
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

/**
 * Whether a process runs: alive, gone, or unknown (this machine cannot tell: another host, another
 * PID namespace), with the reason in words.
 *
 * @example
 * ```ts
 * const { state, reason } = liveness(header.writer); // { state: 'gone', reason: 'process 4242 no longer exists' }
 * ```
 */
export type Liveness = {
  /** alive: it runs. gone: it has ended (or its PID names another process now). unknown: this machine cannot tell. */
  state: 'alive' | 'gone' | 'unknown';
  /** Why, for people. */
  reason: string;
};

/**
 * Whether the process an identity names still runs. A PID alone is not enough: after the
 * writer died its PID can be given to an unrelated process, so the start time must match too.
 * Written before the last reboot, or a zombie: gone. On another host, or from another PID
 * namespace (a container), this machine cannot tell: "unknown".
 *
 * @example
 * ```ts
 * import { liveness, readAutosaveHead } from 'faultguard';
 *
 * const { header } = readAutosaveHead('autosaves/app.fgsave');
 * console.log(liveness(header.writer).state); // "alive", "gone" or "unknown"
 * ```
 */
export function liveness(identity: ProcessIdentity): Liveness {
  const platform = currentPlatform();
  if (identity.host !== hostName()) return { state: 'unknown', reason: `written on another host (${identity.host})` };
  const currentBoot = platform.bootId();
  if (identity.bootId && currentBoot && identity.bootId !== currentBoot) return { state: 'gone', reason: 'written before the last reboot' };
  // A container sharing the host's name and kernel: its PIDs mean nothing in our /proc.
  const namespace = platform.pidNamespace('self');
  if (identity.pidNamespace && namespace && identity.pidNamespace !== namespace) {
    return { state: 'unknown', reason: `written in another PID namespace (${identity.pidNamespace}, a container?)` };
  }
  const seen = platform.process(identity.pid);
  if (seen === undefined) {
    // /proc mounted with hidepid hides other users' processes: ask the kernel instead. Only
    // then: most writers a listing looks at are gone, and the question costs an exception.
    if (platform.mayHideProcesses() && existsUnseen(identity.pid)) return { state: 'unknown', reason: `process ${identity.pid} exists but /proc does not show it to this user` };
    return { state: 'gone', reason: `process ${identity.pid} no longer exists` };
  }
  if (seen.ended) return { state: 'gone', reason: `process ${identity.pid} has exited` };
  if (identity.startTime && seen.startTime !== identity.startTime) {
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
