import { resumeProblem, type Resume, type ResumeFile } from '@faultguard/protocol';
import { readRegularFileStart } from '../files/regular-file';

/** A resume file is a few KiB (20 ends, one context); anything near this is not one. */
const MAX_RESUME_BYTES = 1024 * 1024;

/**
 * What a restarted run is told of the one before it (SPEC §11.2), or undefined when this is no
 * restarted run or the file is not sound (the run goes on; its data is in the journal anyway).
 */
export function readResumeFile(path: string | undefined): { resumed: Resume; journal: ResumeFile['journal'] } | undefined {
  if (!path) return undefined;
  const bytes = readRegularFileStart(path, MAX_RESUME_BYTES + 1);
  if (!bytes || bytes.length > MAX_RESUME_BYTES) return undefined;
  let file: ResumeFile;
  try {
    file = JSON.parse(bytes.toString('utf8')) as ResumeFile;
  } catch {
    return undefined;
  }
  if (resumeProblem(file) !== undefined) return undefined;
  const { journal, ...resumed } = file;
  return { resumed, journal };
}
