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
 * Whether the run writing an autosave file still lives (protocol/SPEC.md §7.5). A missing or
 * unreadable file is an error, never "inactive": a caller must not take it for a crashed run.
 * A damaged newest generation is judged by its previous one, which names the same writer.
 */
export function isActive(file: string, options: JudgeOptions = {}): Activity {
  let head: AutosaveHead;
  try {
    head = readAutosaveHead(file);
  } catch (error) {
    if (!(error instanceof AutosaveError) || error.problem === 'missing') throw error;
    if (error.problem === 'claim') return judgeClaim(lstatSync(file).mtimeMs, options);
    head = { ...previousHead(file, error), modified: lstatSync(file).mtimeMs };
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
