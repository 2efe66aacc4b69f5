import { readFileSync, readlinkSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Platform } from './platform';
import { procStatFields } from './proc-stat';

/** Linux: /proc tells who a process is; journals go to tmpfs (the user's runtime folder, or /dev/shm). */
export const linux: Platform = {
  name: 'Linux',

  process(pid) {
    const fields = procStatFields(pid);
    if (fields === undefined) return undefined;
    // A zombie (Z) or a dying process (X) has ended; only its exit status is left to collect,
    // and an orphan's may never be (a container's PID 1 often does not reap).
    return { startTime: fields[19] ?? '', ended: fields[0] === 'Z' || fields[0] === 'X' }; // field 22
  },

  bootId() {
    try {
      return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      return '';
    }
  },

  pidNamespace(pid) {
    try {
      return readlinkSync(`/proc/${pid}/ns/pid`);
    } catch {
      return '';
    }
  },

  journalRoot() {
    const runtimeDir = process.env.XDG_RUNTIME_DIR;
    if (runtimeDir && isDirectory(runtimeDir)) return join(runtimeDir, 'faultguard');
    const uid = process.getuid?.() ?? 0;
    if (isDirectory('/dev/shm')) return `/dev/shm/faultguard-${uid}`;
    return join(tmpdir(), `faultguard-${uid}`);
  },
};

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
