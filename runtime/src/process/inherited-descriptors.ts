import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Set by a daemon's starting process in the daemon's environment: the descriptor on which the
 * daemon reports how its start-up went. Its presence is also what tells the daemon it is one.
 * Named here because that descriptor is our parent's channel to us, never the program's.
 */
export const ENV_DAEMON_STATUS_FD = 'FAULTGUARD_DAEMON_STATUS_FD';

const O_ACCMODE = 0o3;

/**
 * Descriptors above stderr that this process was given, to hand on to the program (a socket
 * from systemd, a status pipe, ...) as exec would have; not our parent's channels to us (Node's
 * IPC channel, a daemon's start-up report).
 *
 * The close-on-exec flag cannot tell ours from our parent's: Node sets it on what it opens and
 * also on some inherited descriptors at start-up (the low-numbered ones). What can: Node's own are anonymous inodes (epoll, eventfd) and pipes whose read and
 * write ends are both ours; and the snapshot is taken when this module loads, before the guard
 * (or, with start(), the program's own code that follows) opens anything else.
 */
function snapshot(): number[] {
  const ipcChannel = Number(process.env.NODE_CHANNEL_FD ?? -1);
  const daemonStatus = Number(process.env[ENV_DAEMON_STATUS_FD] ?? -1);
  let names: string[];
  try {
    names = readdirSync('/proc/self/fd');
  } catch {
    return []; // no procfs: pass only the standard three
  }
  const open: Array<{ fd: number; target: string; access: number }> = [];
  for (const name of names) {
    const fd = Number(name);
    if (fd <= 2 || fd === ipcChannel || fd === daemonStatus) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${name}`, 'utf8'));
      open.push({ fd, target: readlinkSync(`/proc/self/fd/${name}`), access: parseInt(flags?.[1] ?? '0', 8) & O_ACCMODE });
    } catch {
      // closed while we looked (readdir's own descriptor): nothing to pass
    }
  }
  const accessByPipe = new Map<string, Set<number>>();
  for (const { target, access } of open) {
    if (target.startsWith('pipe:')) accessByPipe.set(target, (accessByPipe.get(target) ?? new Set()).add(access));
  }
  const bothEnds = (target: string) => (accessByPipe.get(target)?.size ?? 0) > 1;
  return open
    .filter(({ target }) => !target.startsWith('anon_inode:') && !bothEnds(target))
    .map(({ fd }) => fd)
    .sort((a, b) => a - b);
}

const INHERITED = snapshot();

export function inheritedDescriptors(): readonly number[] {
  return INHERITED;
}
