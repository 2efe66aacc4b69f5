import { basename } from 'node:path';
import { printable } from '@faultguard/protocol';
import { readAutosave, type Autosave, type ReadOptions } from '../recovery/read-autosave';
import { Progress } from './progress';

/**
 * Reads an autosave for a command: progress while large data decompresses, and a warning
 * when the previous generation had to stand in for a damaged newest one.
 */
export function loadAutosave(file: string, maxBytes: number | undefined): Promise<Autosave> {
  return withProgress(file, maxBytes, (options) => readAutosave(file, options));
}

/** Runs a read of `file` (a plain read, or a recovery) with progress and the fallback warning. */
export async function withProgress(file: string, maxBytes: number | undefined, read: (options: ReadOptions) => Promise<Autosave>): Promise<Autosave> {
  let progress: Progress | undefined;
  let autosave: Autosave;
  try {
    autosave = await read({
      maxBytes,
      onProgress: (done, total) => {
        progress ??= new Progress(`decompressing ${basename(file)}`, total);
        progress.update(done);
      },
    });
  } finally {
    progress?.end(); // before any message: no half-drawn line left in front of it
  }
  if (autosave.fallback) process.stderr.write(`faultguard: warning: read the previous generation (${printable(autosave.file)}): ${printable(autosave.fallback)}\n`);
  return autosave;
}

export const MAX_SIZE_HELP = `  --max-size <size>   refuse data that decompresses to more than this
                      (default 1G; e.g. 500M, 4G)`;

export const STALE_AFTER_HELP = `  --stale-after <s>   a run this machine cannot ask about (another host, a
                      container) counts as alive while its heartbeat is
                      younger than this (default: 10 heartbeats, 10 s)`;
