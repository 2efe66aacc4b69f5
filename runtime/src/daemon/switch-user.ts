import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { StartError } from '../report/start-error';

/**
 * Gives up root for the user and group asked for. The groups go first: once the user is
 * switched, changing them is no longer allowed. The supplementary groups become the user's own,
 * or none but the group, so that nothing of root's is kept.
 */
export function switchUser(user: string | number | undefined, group: string | number | undefined): void {
  if (user === undefined && group === undefined) return;
  if (process.getuid?.() !== 0 || !process.setgroups || !process.setgid || !process.setuid) {
    throw new StartError('only root can switch the user or group of a daemon');
  }
  const userGroups = user === undefined ? [] : groupsOf(user);
  const gid = group ?? userGroups[0];
  try {
    process.setgroups([gid, ...userGroups]);
    process.setgid(gid);
    if (user !== undefined) process.setuid(user);
  } catch (error) {
    throw new StartError(`cannot switch to ${user === undefined ? `group ${group}` : `user ${user}`}: ${(error as Error).message}`, undefined, { cause: error });
  }
  if (user !== undefined) becomeUserInEnvironment();
}

/**
 * The environment still describes root: programs would write into root's home, and the guard's
 * default journal folder would be under root's runtime folder, which the new user cannot use.
 */
function becomeUserInEnvironment(): void {
  const { username, homedir, uid } = userInfo();
  Object.assign(process.env, { HOME: homedir, USER: username, LOGNAME: username });
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  if (runtimeDir !== undefined && ownerOf(runtimeDir) !== uid) delete process.env.XDG_RUNTIME_DIR;
}

function ownerOf(path: string): number | undefined {
  try {
    return statSync(path).uid;
  } catch {
    return undefined;
  }
}

/**
 * The user's groups, its own first. Node can switch to a user by name but cannot tell its
 * groups; id(1) can, through NSS like everything else.
 */
function groupsOf(user: string | number): number[] {
  const result = spawnSync('id', ['-G', '--', String(user)], { encoding: 'utf8' });
  if (result.status !== 0) throw new StartError(`cannot switch to user ${user}: no such user`);
  return result.stdout.trim().split(/\s+/).map(Number);
}
