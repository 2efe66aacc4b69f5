// Stopping what a test started, children included: code-server's extension hosts, the recovery
// service, and the programs its terminals run (node-pty gives each a session of its own, so
// signalling the server's process group would miss them). The tree is read from /proc.
import { readdirSync, readFileSync } from 'node:fs';
import { eventually } from '../helpers/processes';

/** A process's state letter and parent, from /proc/<pid>/stat; undefined once it is gone. */
function stat(pid: number): { state: string; parent: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, parent] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, parent: Number(parent) };
  } catch {
    return undefined;
  }
}

/** Running or stopped, not a zombie (whose reaping is its parent's business, maybe init's). */
export function isRunning(pid: number): boolean {
  const state = stat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** `root` and all its descendants now living. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const parent = /^\d+$/.test(name) ? stat(Number(name))?.parent : undefined;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree.filter(isRunning);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * Kills `root` and everything under it, by PID, and waits until none of them runs. The tree is
 * stopped (SIGSTOP) first, until a fresh look finds nobody new: a process that died first would
 * leave its children to init, out of our sight.
 */
export async function stopTree(root: number): Promise<void> {
  const stopped = new Set<number>();
  for (let tree = processTree(root); tree.some((pid) => !stopped.has(pid)); tree = processTree(root)) {
    for (const pid of tree) {
      signal(pid, 'SIGSTOP');
      stopped.add(pid);
    }
  }
  for (const pid of stopped) signal(pid, 'SIGKILL');
  await eventually(() => {
    const living = [...stopped].filter(isRunning);
    if (living.length > 0) throw new Error(`processes still running after SIGKILL: ${living.join(', ')}`);
  }, 30_000);
}
