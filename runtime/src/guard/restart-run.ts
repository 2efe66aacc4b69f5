import { readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CRASH_CONTEXT_FILE, HANG_TRACE_NAME, MAX_ENDS, NATIVE_TRACE_NAME, NODE_REPORT_NAME, RESUME_FILE, RESUME_FORMAT, type CrashContext, type ResumeFile, type RunEnd,
} from '@faultguard/protocol';
import type { RunDirectory } from './run-directory';

/**
 * Gets the run folder ready for the program's next start (protocol/SPEC.md §11.2): the journal
 * cut back to its last intact record (a record torn by the death, and anything after damage, is
 * what the rescue did not see either), a new, empty context journal, none of the last run's
 * leftovers, and resume.json, which tells the new run how the last one ended. Returns its path.
 */
export function prepareRestart(run: RunDirectory, intactBytes: number, restarts: number, ends: readonly RunEnd[], context: CrashContext | undefined): string {
  const journal = statSync(run.journalPath);
  if (journal.size > intactBytes) truncateSync(run.journalPath, intactBytes);
  for (const name of readdirSync(run.path)) {
    // A compaction the program did not finish, and what the dying run left for its own context.
    if (name.startsWith('journal.compact-') || [CRASH_CONTEXT_FILE, NODE_REPORT_NAME, NATIVE_TRACE_NAME, HANG_TRACE_NAME].includes(name)) rmSync(join(run.path, name), { force: true });
  }
  run.resetContext();
  const previous = ends[ends.length - 1];
  const resume: ResumeFile = {
    format: RESUME_FORMAT,
    restarts,
    previous: { ...previous, ...(context && { context }) },
    ends: ends.slice(-MAX_ENDS),
    journal: { ino: journal.ino, verifiedBytes: intactBytes },
  };
  const file = join(run.path, RESUME_FILE);
  writeFileSync(file, `${JSON.stringify(resume, null, 2)}\n`, { mode: 0o600 });
  return file;
}
