// Stopping what a test started, children included: code-server's extension hosts, the recovery
// service, and the programs its terminals run (node-pty gives each a session of its own, so
// signalling the server's process group would miss them). The tree is read from /proc.
import { readdirSync } from 'node:fs';
import { procStatFields } from '../../runtime/src/process/proc-stat';
import { runs } from '../helpers/daemons';
import { eventually } from '../helpers/processes';

/** `root` and all its descendants now living. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const parent = /^\d+$/.test(name) ? procStatFields(Number(name))?.[1] : undefined;
    if (parent !== undefined) children.set(Number(parent), [...(children.get(Number(parent)) ?? []), Number(name)]);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree.filter(runs);
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
    const living = [...stopped].filter(runs);
    if (living.length > 0) throw new Error(`processes still running after SIGKILL: ${living.join(', ')}`);
  }, 30_000);
}
