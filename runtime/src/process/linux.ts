import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Platform } from './platform';
import { procStatFields } from './proc-stat';

/** Linux: /proc tells who a process is; journals go to tmpfs (the user's runtime folder, or /dev/shm). */
export const linux: Platform = {
  name: 'Linux',

  process(pid) {
    // A gone process is asked about without an exception: a listing judges thousands of them.
    if (!existsSync(`/proc/${pid}`)) return undefined;
    const fields = procStatFields(pid);
    if (fields === undefined) return undefined;
    // A zombie (Z) or a dying process (X) has ended; only its exit status is left to collect,
    // and an orphan's may never be (a container's PID 1 often does not reap).
    return { startTime: fields[19] ?? '', ended: fields[0] === 'Z' || fields[0] === 'X' }; // field 22
  },

  mayHideProcesses() {
    // hidepid=1 makes other users' /proc/<pid> unreadable, hidepid=2 invisible: init's tells, as
    // does no procfs at all. Asked once: mount options do not change under a running listing.
    hiding ??= !canRead('/proc/1/stat');
    return hiding;
  },

  // This boot's id cannot change while this process lives (a reboot ends it): read once.
  bootId() {
    if (thisBoot === undefined) {
      try {
        thisBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      } catch {
        thisBoot = '';
      }
    }
    return thisBoot;
  },

  // Our own namespace is read once: unshare() and setns() move only the children a process starts later.
  pidNamespace(pid) {
    if (pid === 'self' && ownNamespace !== undefined) return ownNamespace;
    let namespace: string;
    try {
      namespace = readlinkSync(`/proc/${pid}/ns/pid`);
    } catch {
      namespace = '';
    }
    if (pid === 'self') ownNamespace = namespace;
    return namespace;
  },

  journalRoot() {
    const runtimeDir = process.env.XDG_RUNTIME_DIR;
    if (runtimeDir && isDirectory(runtimeDir)) return join(runtimeDir, 'faultguard');
    const uid = process.getuid?.() ?? 0;
    if (isDirectory('/dev/shm')) return `/dev/shm/faultguard-${uid}`;
    return join(tmpdir(), `faultguard-${uid}`);
  },
};

let hiding: boolean | undefined;
let thisBoot: string | undefined;
let ownNamespace: string | undefined;

function canRead(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
