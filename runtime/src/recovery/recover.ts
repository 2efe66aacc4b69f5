import type { ExitRecord } from '@faultguard/protocol';
import type { RescuedData } from '../data/rescued-data';
import { AutosaveError } from './autosave-error';
import { isActive } from './is-active';
import { readAutosave, type Autosave, type ReadOptions } from './read-autosave';
import type { JudgeOptions } from './run-state';

/**
 * What `recover()` calls with the data, and how the run ended: null when its guard died before it
 * could record that (an orphaned run).
 *
 * @example
 * ```ts
 * const restore: RecoverRescue = (data, exit) => {
 *   editor.open(data.get('document'), exit ? `recovered after ${exit.reason}` : 'recovered');
 * };
 * ```
 */
export type RecoverRescue = (data: RescuedData, exit: ExitRecord | null, autosave: Autosave) => unknown;

/**
 * How `recover()` judges and reads the file.
 *
 * @example
 * ```ts
 * await recover(restore, file, { maxBytes: 2 ** 32, staleAfterSeconds: 60 } satisfies RecoverOptions);
 * ```
 */
export interface RecoverOptions extends ReadOptions, JudgeOptions {
  /**
   * How the file is read once it is known not to be live (default: readAutosave with these
   * options). A reader that keeps decompressed runs, such as the editor's, passes its own.
   */
  readonly read?: (file: string) => Promise<Autosave>;
}

/**
 * Python faultguard's recover(): hands the data of a finished run's autosave to `rescue`.
 * Refuses a live run's file (its data is still changing, and it is not lost). Reads the newest
 * generation, or the previous one if the newest is damaged (`fallback` says why). Resolves
 * once `rescue` has; the file is left in place: remove it once the data is safe.
 *
 * @example
 * ```ts
 * import { recover, removeAutosave } from 'faultguard';
 *
 * await recover((data, exit) => restore(data.get('document'), exit?.reason), 'autosaves/app.fgsave');
 * removeAutosave('autosaves/app.fgsave');
 * ```
 */
export async function recover(rescue: RecoverRescue, file: string, options: RecoverOptions = {}): Promise<Autosave> {
  const activity = isActive(file, options);
  if (activity.active) throw new AutosaveError(file, 'live', `belongs to a live run (${activity.reason}); recover it once that run has ended`);
  const autosave = await (options.read ?? ((path) => readAutosave(path, options)))(file);
  await rescue(autosave.data, autosave.header.exit, autosave);
  return autosave;
}
