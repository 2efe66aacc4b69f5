import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isTemporaryFor, previousGenerationPath } from '@faultguard/protocol';
import { AutosaveError } from './autosave-error';
import { isActive } from './is-active';
import { lstatOrUndefined } from '../files/regular-file';
import type { JudgeOptions } from './run-state';

/**
 * Removes an autosave with its previous generation and the temporary files of killed saves;
 * returns what was removed. Refuses a live run's file unless `force`: its guard would go on
 * without a place to save. The newest generation goes last, so an interrupted removal leaves a
 * whole autosave, never only its older generation.
 *
 * @example
 * ```ts
 * import { removeAutosave } from 'faultguard';
 *
 * const removed = removeAutosave('autosaves/app.fgsave'); // ['autosaves/app.fgsave.prev', 'autosaves/app.fgsave']
 * ```
 */
export function removeAutosave(file: string, options: JudgeOptions & { readonly force?: boolean } = {}): string[] {
  const related = [previousGenerationPath(file), ...temporariesOf(file)].filter((path) => lstatOrUndefined(path) !== undefined);
  if (!options.force) {
    try {
      const activity = isActive(file, options);
      if (activity.active) throw new AutosaveError(file, 'live', `belongs to a live run (${activity.reason}); not removing it while that run lives`);
    } catch (error) {
      // Unreadable or damaged files go as asked; a missing one only if it left something behind.
      if (!(error instanceof AutosaveError) || error.problem === 'live' || (error.problem === 'missing' && related.length === 0)) throw error;
    }
  }
  const present = lstatOrUndefined(file) ? [...related, file] : related;
  present.forEach(checkRemovable);
  for (const path of present) rmSync(path, { force: true });
  return present;
}

function temporariesOf(file: string): string[] {
  try {
    return readdirSync(dirname(file)).filter((name) => isTemporaryFor(file, name)).map((name) => join(dirname(file), name));
  } catch {
    return [];
  }
}

/** Only files, and links (never what they point to): a folder named like an autosave is not ours. */
function checkRemovable(path: string): void {
  const stat = lstatSync(path);
  if (!stat.isFile() && !stat.isSymbolicLink()) throw new AutosaveError(path, 'unreadable', 'not a regular file; not removing it');
}
