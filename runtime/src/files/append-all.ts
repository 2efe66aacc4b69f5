import { writeSync } from 'node:fs';

/** Writes every byte of each part at the descriptor's offset: a short write goes on, never leaves a gap. */
export function appendAll(fd: number, ...parts: readonly Uint8Array[]): void {
  for (const part of parts) {
    for (let done = 0; done < part.length; ) done += writeSync(fd, part, done, part.length - done);
  }
}
