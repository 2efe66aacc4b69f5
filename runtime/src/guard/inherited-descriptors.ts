import { readdirSync, readlinkSync } from 'node:fs';

/**
 * Descriptors above stderr that our parent gave us, to hand on to the program (a socket from
 * systemd, a status pipe, ...), as exec would have.
 *
 * Node marks every descriptor close-on-exec at start-up, so the flag cannot tell ours from our
 * parent's. What can: everything Node opens for itself is an anonymous inode (epoll, eventfd)
 * or a pipe or socket whose both ends are ours. A descriptor our parent passed is neither.
 */
export function inheritedDescriptors(): number[] {
  const ipcChannel = Number(process.env.NODE_CHANNEL_FD ?? -1);
  const targets = new Map<number, string>();
  try {
    for (const name of readdirSync('/proc/self/fd')) {
      const fd = Number(name);
      if (fd <= 2 || fd === ipcChannel) continue;
      try {
        targets.set(fd, readlinkSync(`/proc/self/fd/${name}`));
      } catch {
        // closed while we looked (readdir's own descriptor): nothing to pass
      }
    }
  } catch {
    return []; // no procfs: pass only the standard three
  }
  const uses = new Map<string, number>();
  for (const target of targets.values()) uses.set(target, (uses.get(target) ?? 0) + 1);
  const passed: number[] = [];
  for (const [fd, target] of targets) {
    if (target.startsWith('anon_inode:')) continue;
    if (/^(pipe|socket):/.test(target) && uses.get(target)! > 1) continue;
    passed.push(fd);
  }
  return passed.sort((a, b) => a - b);
}
