import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One private folder on /dev/shm for everything a bench run writes: the guards' journals and
 * the reference files. tmpfs, like the journal's default home, so reference and journal writes
 * land on the same kind of memory; one folder, so one removal cleans up after any failure.
 */
export interface Scratch {
  readonly path: string;
  /** Where the guards started by this run put their run directories. */
  readonly journalRoot: string;
  file(name: string): string;
  remove(): void;
}

export function createScratch(): Scratch {
  const path = mkdtempSync('/dev/shm/faultguard-bench-');
  return {
    path,
    journalRoot: join(path, 'journals'),
    file: (name) => join(path, name),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
