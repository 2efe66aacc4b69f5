import { readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { autosaveNameOf, type AutosaveHeader, type AutosaveListing } from '@faultguard/protocol';
import { AutosaveError, describeFileError } from './autosave-error';
import { judgeAutosaveFile } from './is-active';
import { lstatOrUndefined } from '../files/regular-file';
import { currentPlatform } from '../process/current-platform';
import type { JudgeOptions } from './run-state';

/**
 * One autosave as a list shows it: the same as AutosaveListing.
 *
 * @example
 * ```ts
 * const crashed: Listing[] = listAutosaves(['autosaves/']).listings.filter((listing) => listing.state === 'crashed');
 * ```
 */
export type Listing = AutosaveListing;

/**
 * What `listAutosaves()` found.
 *
 * @example
 * ```ts
 * const { listings, errors }: ListResult = listAutosaves(['autosaves/', 'old/']);
 * for (const error of errors) console.error(error.message);
 * ```
 */
export interface ListResult {
  /** One per autosave, in path order, unreadable files included. */
  readonly listings: Listing[];
  /** Paths that could not be listed at all (missing, or a folder that cannot be read). */
  readonly errors: AutosaveError[];
}

/**
 * Lists the autosaves a set of paths names: a file is itself, a folder stands for every
 * `*.fgsave` in it (and every `*.fgsave.prev` whose newest generation is gone), not recursively.
 * Reads headers only, never the data.
 *
 * @example
 * ```ts
 * import { listAutosaves, recover } from 'faultguard';
 *
 * for (const { file, state, active } of listAutosaves(['autosaves/']).listings) {
 *   if (!active && state !== 'unreadable') await recover(restore, file);
 * }
 * ```
 */
export function listAutosaves(paths: readonly string[], options: JudgeOptions = {}): ListResult {
  currentPlatform(); // before any file: judging runs needs this system's processes
  const listings: Listing[] = [];
  const errors = forEachAutosave(paths, options, (listing) => listings.push(listing));
  return { listings, errors };
}

/**
 * The same, one listing at a time, in order: a caller that keeps less than the whole listing (a
 * table's cells) lists a folder of many thousands of files without holding every header. Returns
 * the paths that could not be listed at all.
 */
export function forEachAutosave(paths: readonly string[], options: JudgeOptions, onListing: (listing: Listing) => void): AutosaveError[] {
  const errors: AutosaveError[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    let files: string[];
    try {
      files = statSync(path).isDirectory() ? autosavesIn(path) : [path]; // a folder given may be a link to one
    } catch (error) {
      const { problem, detail } = describeFileError(error);
      errors.push(new AutosaveError(path, problem, problem === 'missing' ? 'no such file or folder' : detail));
      continue;
    }
    for (const file of files) onListing(describeAutosave(file, options));
  }
  return errors;
}

function autosavesIn(folder: string): string[] {
  const names = new Set(readdirSync(folder).map(autosaveNameOf).filter((name) => name !== undefined));
  // `folder` is resolved (absolute, normalized): a name is appended, not joined, for thousands of files.
  const prefix = folder.endsWith('/') ? folder : `${folder}/`;
  return [...names].sort().map((name) => prefix + name);
}

/**
 * Describes one autosave from its headers, as a list shows it; never throws for the file's own
 * problems. The file is looked at once (the descriptor the head is read from tells its size and
 * heartbeat); only a file that cannot be read is looked at again, for its size and time.
 *
 * @example
 * ```ts
 * import { describeAutosave } from 'faultguard';
 *
 * const { state, reason } = describeAutosave('autosaves/app.fgsave'); // 'orphaned', 'guard 4242 died without recording an end (...)'
 * ```
 */
export function describeAutosave(file: string, options: JudgeOptions = {}): Listing {
  try {
    const { state, active, reason, header, heartbeat, size, newestProblem } = judgeAutosaveFile(file, options);
    // Written out, not spread: a listing of thousands of files builds one of these per file.
    if (!header) return { file, state, active, reason, size, modified: heartbeat, problem: 'claim' };
    const listed = withoutIndex(header);
    if (newestProblem === undefined) return { file, state, active, reason, header: listed, size, modified: heartbeat };
    return { file, state, active, reason, header: listed, size, modified: heartbeat, newestProblem };
  } catch (error) {
    if (!(error instanceof AutosaveError)) throw error;
    const stat = lstatOrUndefined(file);
    return { file, state: 'unreadable', active: false, reason: error.detail, size: stat?.size ?? 0, modified: stat?.mtimeMs, problem: error.problem };
  }
}

/** A listing says who and how, not what: the record index (every key) stays with the data. */
function withoutIndex(header: AutosaveHeader): AutosaveHeader {
  if (header.data.index === undefined) return header;
  const { index: _, ...data } = header.data;
  return { ...header, data };
}
