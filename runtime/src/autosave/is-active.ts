import { lstatSync } from 'node:fs';
import { previousGenerationPath } from '@faultguard/protocol';
import { AutosaveError } from './autosave-error';
import { readAutosaveHead, type AutosaveHead } from './read-head';
import { judgeClaim, judgeRun, type JudgeOptions, type RunState } from './run-state';

export interface Activity {
  /** True only while the run that writes the file lives. */
  readonly active: boolean;
  readonly reason: string;
  /** Absent for an empty claim, which names no run. */
  readonly state?: RunState;
}

/**
 * Whether the run writing an autosave file still lives (protocol/SPEC.md §7.5). A file that is
 * missing or unreadable (with no readable previous generation) is an error, never "inactive":
 * a caller must not take it for a crashed run. A damaged or missing newest generation is judged
 * by its previous one, which names the same writer.
 */
export function isActive(file: string, options: JudgeOptions = {}): Activity {
  let head: AutosaveHead;
  try {
    head = readAutosaveHead(file);
  } catch (error) {
    if (!(error instanceof AutosaveError)) throw error;
    if (error.problem === 'claim') return judgeClaim(lstatSync(file).mtimeMs, options);
    const previous = previousHead(file, error);
    // The newest file's time is the heartbeat; without a newest file, the previous one's is all there is.
    head = error.problem === 'missing' ? previous : { ...previous, modified: lstatSync(file).mtimeMs };
  }
  const judgement = judgeRun(head.header, head.modified, options);
  return { active: judgement.state === 'active', ...judgement };
}

function previousHead(file: string, newestError: AutosaveError): AutosaveHead {
  try {
    return readAutosaveHead(previousGenerationPath(file));
  } catch {
    throw newestError;
  }
}
