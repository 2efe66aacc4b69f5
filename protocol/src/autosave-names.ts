// Which files belong to an autosave (protocol/SPEC.md §7.8): the newest generation, the one
// before it, and temporary files of saves in progress (or of a guard killed during one).
import { basename } from 'node:path';

export const AUTOSAVE_EXTENSION = '.fgsave';
const PREVIOUS_GENERATION_SUFFIX = '.prev';

const TEMPORARY_SUFFIX = /^\.tmp-[0-9a-f]{12}$/;

export function previousGenerationPath(path: string): string {
  return `${path}${PREVIOUS_GENERATION_SUFFIX}`;
}

/** A name a guard gives the temporary file of a save: `<path>.tmp-<12 hex>`. */
export function isTemporaryFor(path: string, candidate: string): boolean {
  const name = basename(path);
  return candidate.startsWith(name) && TEMPORARY_SUFFIX.test(candidate.slice(name.length));
}

/**
 * The autosave a file name in a folder stands for when the folder is listed: `x.fgsave` and a
 * `x.fgsave.prev` whose newest generation is gone both stand for `x.fgsave`; anything else
 * (temporary files included) for nothing.
 */
export function autosaveNameOf(name: string): string | undefined {
  if (name.endsWith(AUTOSAVE_EXTENSION)) return name;
  if (name.endsWith(AUTOSAVE_EXTENSION + PREVIOUS_GENERATION_SUFFIX)) return name.slice(0, -PREVIOUS_GENERATION_SUFFIX.length);
  return undefined;
}
