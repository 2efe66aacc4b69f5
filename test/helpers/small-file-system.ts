import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real file system of its own, small enough to fill: a tmpfs mounted for the test (root with
 * mount(8), as in CI; elsewhere the tests that need one are skipped, saying why). A full disk is
 * then a real ENOSPC from the kernel, not a mock.
 */
export interface SmallFileSystem {
  readonly path: string;
  /** Writes a file until the file system refuses with ENOSPC: from then on it is full. */
  fill(): void;
  unmount(): void;
}

/** Why small file systems cannot be made here, or undefined when they can. */
export const NO_SMALL_FILE_SYSTEMS = probe();

export function mountSmallFileSystem(kib: number): SmallFileSystem {
  const path = mkdtempSync(join(tmpdir(), 'faultguard-small-fs-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k,mode=0700`, 'tmpfs', path], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(path, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs: ${mounted.stderr.trim() || mounted.error?.message}`);
  }
  return {
    path,
    fill: () => {
      const fd = openSync(join(path, 'filler'), 'w');
      const block = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    unmount: () => {
      spawnSync('umount', ['--lazy', path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

function probe(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  try {
    mountSmallFileSystem(64).unmount();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
