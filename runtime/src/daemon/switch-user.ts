import { spawnSync } from 'node:child_process';
import { DaemonStartError } from './daemon-options';

/**
 * Gives up root for the user and group asked for. The groups go first: once the user is
 * switched, changing them is no longer allowed. The supplementary groups become the user's own,
 * or none but the group, so that nothing of root's is kept.
 */
export function switchUser(user: string | number | undefined, group: string | number | undefined): void {
  if (user === undefined && group === undefined) return;
  if (process.getuid?.() !== 0 || !process.setgroups || !process.setgid || !process.setuid) {
    throw new DaemonStartError('only root can switch the user or group of a daemon');
  }
  const userGroups = user === undefined ? [] : groupsOf(user);
  const gid = group ?? userGroups[0];
  try {
    process.setgroups([gid, ...userGroups]);
    process.setgid(gid);
    if (user !== undefined) process.setuid(user);
  } catch (error) {
    throw new DaemonStartError(`cannot switch to ${user === undefined ? `group ${group}` : `user ${user}`}: ${(error as Error).message}`);
  }
}

/**
 * The user's groups, its own first. Node can switch to a user by name but cannot tell its
 * groups; id(1) can, through NSS like everything else.
 */
function groupsOf(user: string | number): number[] {
  const result = spawnSync('id', ['-G', '--', String(user)], { encoding: 'utf8' });
  if (result.status !== 0) throw new DaemonStartError(`cannot switch to user ${user}: no such user`);
  return result.stdout.trim().split(/\s+/).map(Number);
}
