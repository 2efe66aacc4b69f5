// A run that its guard started again after the program ended (protocol/SPEC.md §11): what the new
// run is told of the one before it, and what an autosave says of a run's history of ends.
import { crashContextProblem, type CrashContext } from './crash-context';
import { isExitRecord, type ExitRecord } from './exit-status';

/** In the run directory: how the last run ended, for the next one (SPEC §11.2). */
export const RESUME_FILE = 'resume.json';
export const RESUME_FORMAT = 1;
/** How many ends a resume file and an autosave header keep: the latest ones. */
export const MAX_ENDS = 20;

/**
 * One end of the program in a supervised run.
 *
 * @example
 * ```ts
 * for (const end of header.ends ?? []) console.log(end.ended, end.exit.reason);
 * ```
 */
export interface RunEnd {
  /** How it ended. */
  readonly exit: ExitRecord;
  /** When it started: ISO 8601 UTC. */
  readonly started: string;
  /** When it ended: ISO 8601 UTC. */
  readonly ended: string;
}

/**
 * What a run that its guard started again is told of the run before it (`data.resumed`).
 *
 * @example
 * ```ts
 * if (data.resumed) console.log(`back after ${data.resumed.previous.exit.reason} (restart ${data.resumed.restarts})`);
 * ```
 */
export interface Resume {
  /** 1. */
  readonly format: number;
  /** How many times the guard has started the program again, this start included. */
  readonly restarts: number;
  /** How the run before this one ended, with its crash context when there was one. */
  readonly previous: RunEnd & {
    /** Why it died, when the guard knew anything of it. */
    readonly context?: CrashContext;
  };
  /** The latest ends, oldest first, the previous one last. */
  readonly ends: readonly RunEnd[];
}

/** The resume file as the guard writes it: also what it has just verified of the journal. */
export interface ResumeFile extends Resume {
  /** The journal's inode, and how many of its bytes the guard has just read and checked (SPEC §11.2). */
  readonly journal?: { readonly ino: number; readonly verifiedBytes: number };
}

/** Why `value` is not a list of ends, or undefined when it is one. */
export function endsProblem(value: unknown, name: string): string | undefined {
  if (!Array.isArray(value) || value.length > MAX_ENDS) return `${name} is not a list of at most ${MAX_ENDS} ends`;
  return value.every(isRunEnd) ? undefined : `${name} holds an end that is not an exit record with its times`;
}

/** Why `value` is not a resume file's content, or undefined when it is one. */
export function resumeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const resume = value as Record<string, unknown>;
  if (!Number.isSafeInteger(resume.format) || (resume.format as number) < 1) return 'format is not a format number';
  if (!Number.isSafeInteger(resume.restarts) || (resume.restarts as number) < 1) return 'restarts is not a count';
  if (!isRunEnd(resume.previous)) return 'previous is not an end';
  const context = (resume.previous as unknown as Record<string, unknown>).context;
  if (context !== undefined) {
    const problem = crashContextProblem(context);
    if (problem) return `previous.${problem}`;
  }
  const journal = resume.journal as Record<string, unknown> | undefined;
  if (journal !== undefined && !(typeof journal === 'object' && journal !== null && Number.isSafeInteger(journal.ino) && Number.isSafeInteger(journal.verifiedBytes))) return 'journal is not an inode and a size';
  return endsProblem(resume.ends, 'ends');
}

function isRunEnd(value: unknown): value is RunEnd {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const end = value as Record<string, unknown>;
  return isExitRecord(end.exit) && typeof end.started === 'string' && typeof end.ended === 'string';
}
