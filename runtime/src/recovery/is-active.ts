import { previousGenerationPath, type AutosaveHeader } from '@faultguard/protocol';
import { AutosaveError } from './autosave-error';
import { readAutosaveHead, type AutosaveHead } from './read-head';
import { lstatOrUndefined } from '../files/regular-file';
import { currentPlatform } from '../process/current-platform';
import { judgeClaim, judgeRun, type Judgement, type JudgeOptions, type RunState } from './run-state';

/**
 * Whether the run behind an autosave lives.
 *
 * @example
 * ```ts
 * const { active, state, reason } = isActive('autosaves/app.fgsave'); // false, 'crashed', 'segmentation fault (SIGSEGV)'
 * ```
 */
export interface Activity {
  /** True only while the run that writes the file lives. */
  readonly active: boolean;
  /** Why, for people. */
  readonly reason: string;
  /** Absent for an empty claim, which names no run. */
  readonly state?: RunState;
}

/**
 * Whether the run writing an autosave file still lives (protocol/SPEC.md §7.5). A file that is
 * missing or unreadable (with no readable previous generation) is an error, never "inactive":
 * a caller must not take it for a crashed run.
 *
 * @example
 * ```ts
 * import { isActive, recover } from 'faultguard';
 *
 * if (existsSync(path) && !isActive(path).active) await recover(restore, path);
 * ```
 */
export function isActive(file: string, options: JudgeOptions = {}): Activity {
  const { state, active, reason, header } = judgeAutosaveFile(file, options);
  return header ? { active, state, reason } : { active, reason };
}

export interface FileJudgement extends Judgement {
  /** The header judged by; absent for an empty claim (whose state is active or orphaned by its age). */
  readonly header?: AutosaveHeader;
  /** The heartbeat judged by (ms since the epoch). */
  readonly heartbeat: number;
  /** Size of the newest generation on disk, in bytes (0 when only the previous one is left). */
  readonly size: number;
  /** Set when the header came from the previous generation: what is wrong with the newest. */
  readonly newestProblem?: string;
}

/**
 * Judges the run behind an autosave from the newest generation's head; if that cannot be read,
 * from the previous generation's, which names the same writer, with the newest file's time as
 * the heartbeat (or the previous one's, when the newest is gone). Throws the newest's
 * AutosaveError when neither can be read.
 */
export function judgeAutosaveFile(file: string, options: JudgeOptions = {}): FileJudgement {
  currentPlatform(); // before the file: a run is judged by this system's processes
  let head: AutosaveHead;
  let size: number;
  let newestProblem: string | undefined;
  try {
    head = readAutosaveHead(file);
    size = head.size;
  } catch (error) {
    if (!(error instanceof AutosaveError)) throw error;
    const newest = lstatOrUndefined(file);
    if (error.problem === 'claim') {
      const claim = judgeClaim(newest!.mtimeMs, options);
      return { state: claim.active ? 'active' : 'orphaned', active: claim.active, reason: claim.reason, heartbeat: newest!.mtimeMs, size: 0 };
    }
    const previous = previousHead(file, error);
    head = { ...previous, modified: newest?.mtimeMs ?? previous.modified };
    size = newest?.size ?? 0;
    newestProblem = error.detail;
  }
  const { state, active, reason } = judgeRun(head.header, head.modified, options);
  return { state, active, reason, header: head.header, heartbeat: head.modified, size, newestProblem };
}

function previousHead(file: string, newestError: AutosaveError): AutosaveHead {
  try {
    return readAutosaveHead(previousGenerationPath(file));
  } catch {
    throw newestError;
  }
}
