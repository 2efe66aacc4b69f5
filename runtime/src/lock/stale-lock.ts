import { rmSync } from 'node:fs';
import { digestHex } from '../files/unique-names';
import { liveness } from '../process/process-identity';
import { createExclusive, readIfExists } from './lock-files';
import { parsePidFile } from './pid-file-format';

/** What became of an attempt to remove a stale lock; in every case the caller tries again. */
export type Takeover = 'removed' | 'changed' | 'busy';

/**
 * Removes the lock file at `path` if it still holds exactly `stale`, whose holder is gone.
 *
 * Reading the file and unlinking it are two steps: between them another contender may have
 * removed the same stale file and created a fresh lock, which a plain unlink would then destroy
 * (two winners). So the removal is itself locked, per stale content: only the contender that
 * creates `<path>.break-<digest of stale>` may remove it, and only after reading it again under
 * that lock. Nobody else can change a file whose holder is dead, so what it read is what it
 * unlinks. Contenders that come later read something else ("changed") and judge that instead.
 * A breaker that died holding its breaker file is gone in turn: that file is stale content at its
 * own path and is removed the same way, one level down.
 */
export function removeStale(path: string, stale: string, own: string): Takeover {
  const breaker = `${path}.break-${digestHex(stale, 16)}`;
  if (!createExclusive(breaker, own)) {
    const other = readIfExists(breaker);
    if (other !== undefined && isGone(other)) removeStale(breaker, other, own);
    return 'busy';
  }
  try {
    if (readIfExists(path) !== stale) return 'changed';
    rmSync(path, { force: true });
    return 'removed';
  } finally {
    rmSync(breaker, { force: true });
  }
}

function isGone(text: string): boolean {
  try {
    return liveness(parsePidFile(text).identity).state === 'gone';
  } catch {
    return false; // not ours to remove
  }
}
