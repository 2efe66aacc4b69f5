import { lstatSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { autosaveNameOf, previousGenerationPath } from '@faultguard/protocol';
import type { FolderProblem, RunCrashed, RunsSnapshot, RunSummary, ServiceSettings } from '@faultguard/protocol/recovery-service';
import { describeAutosave, listAutosaves, type JudgeOptions, type Listing } from '@faultguard/runtime/recovery';

export interface CatalogEvents {
  changed(snapshot: RunsSnapshot): void;
  crashed(event: RunCrashed): void;
}

/** Events of one burst (a save renames, then touches) become one update. */
const SETTLE_MS = 100;
/**
 * A guard killed outright changes no file: its runs are re-judged this often, headers only,
 * which is also how long a run on another host takes at most to be seen dying past its threshold.
 */
const REJUDGE_MS = 2000;

/**
 * The autosaves of the watched folders, kept current: chokidar reports files that appear, change
 * or go, and only those are re-read (headers only; listing never decompresses). Live runs are
 * re-judged on a timer. Every change of what a user would see is pushed as a whole snapshot;
 * a run that is found crashed or orphaned is announced once.
 */
export class RunCatalog {
  private readonly runs = new Map<string, RunSummary>();
  private problems: FolderProblem[] = [];
  private readonly announced = new Set<string>();
  private lastPushed = '';
  private folders: string[] = [];
  private judge: JudgeOptions = {};
  private watcher: FSWatcher | undefined;
  private readonly touched = new Set<string>();
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly rejudgeTimer: NodeJS.Timeout;
  /** Watched folders that were not there at the last scan. */
  private missing = new Set<string>();
  /** A folder just appeared: scan once more when the watcher has surely settled on it. */
  private rescanSoon = false;

  constructor(
    private readonly events: CatalogEvents,
    private readonly log: (message: string) => void,
  ) {
    this.rejudgeTimer = setInterval(() => this.tick(), REJUDGE_MS);
  }

  async configure(settings: ServiceSettings): Promise<void> {
    this.folders = [...new Set(settings.folders.map((folder) => resolve(folder)))];
    this.judge = settings.staleAfterSeconds === undefined ? {} : { staleAfterSeconds: settings.staleAfterSeconds };
    await this.watcher?.close();
    this.watcher = this.watchFolders();
    this.scanAll('startup');
    this.log(`watching ${this.folders.length} folder(s): ${this.folders.join(', ') || 'none'}`);
  }

  snapshot(): RunsSnapshot {
    return { runs: [...this.runs.values()], problems: this.problems };
  }

  /** Reads every watched folder anew. */
  refresh(): RunsSnapshot {
    this.scanAll('live');
    return this.snapshot();
  }

  /** Forgets a file removed by this service, at once rather than when the watcher reports it. */
  forget(file: string): void {
    this.touched.add(file);
    this.settle();
  }

  async dispose(): Promise<void> {
    clearInterval(this.rejudgeTimer);
    clearTimeout(this.settleTimer);
    await this.watcher?.close();
  }

  private watchFolders(): FSWatcher {
    const watcher = watch(this.folders, { depth: 0, ignoreInitial: true, ignorePermissionErrors: true });
    watcher.on('all', (event, path) => {
      if (event === 'addDir' && this.folders.includes(path)) {
        this.appeared([path]);
      } else if (event === 'unlinkDir' && this.folders.includes(path)) {
        this.scanAll('live');
      } else if ((event === 'add' || event === 'change' || event === 'unlink') && this.folders.includes(dirname(path))) {
        const name = autosaveNameOf(basename(path));
        if (name === undefined) return;
        this.touched.add(join(dirname(path), name));
        this.settleTimer ??= setTimeout(() => this.settle(), SETTLE_MS);
      }
    });
    watcher.on('error', (error) => this.log(`watcher: ${(error as Error).message}`));
    return watcher;
  }

  private scanAll(discovered: RunCrashed['discovered']): void {
    // listAutosaves takes a file for that one autosave; a setting names folders, so a file there is a mistake to show.
    const files = this.folders.filter(isFile);
    const { listings, errors } = listAutosaves(this.folders.filter((folder) => !files.includes(folder)), this.judge);
    this.runs.clear();
    for (const listing of listings) this.runs.set(listing.file, summarize(listing));
    // A folder that does not exist yet is only waited for; one that cannot be read is a problem.
    this.missing = new Set(errors.filter((error) => error.problem === 'missing').map((error) => error.file));
    this.problems = [
      ...files.map((folder) => ({ folder, message: `${folder}: not a folder` })),
      ...errors.filter((error) => error.problem !== 'missing').map((error) => ({ folder: error.file, message: error.message })),
    ];
    this.publish(discovered);
  }

  private settle(): void {
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    for (const file of this.touched) {
      if (!exists(file) && !exists(previousGenerationPath(file))) this.runs.delete(file);
      else this.runs.set(file, summarize(describeAutosave(file, this.judge)));
    }
    this.touched.clear();
    this.publish('live');
  }

  /**
   * Folders created after the watch began: chokidar reports some (not their files, until
   * re-added), but misses one created while it is still setting up, so they are also looked for.
   */
  private tick(): void {
    const appeared = [...this.missing].filter(exists);
    if (appeared.length > 0) this.appeared(appeared);
    else if (this.rescanSoon) {
      // Files written between the folder's appearance and the watcher's readiness raised no event.
      this.rescanSoon = false;
      this.scanAll('live');
    }
    this.rejudgeLive();
  }

  private appeared(folders: string[]): void {
    for (const folder of folders) {
      this.watcher?.unwatch(folder);
      this.watcher?.add(folder);
    }
    this.rescanSoon = true;
    this.scanAll('live');
  }

  private rejudgeLive(): void {
    let changed = false;
    for (const run of this.runs.values()) {
      if (!run.active) continue;
      this.touched.add(run.file);
      changed = true;
    }
    if (changed) this.settle();
  }

  /** Announces runs newly found ended, and pushes the snapshot if anything a user sees changed. */
  private publish(discovered: RunCrashed['discovered']): void {
    for (const file of this.announced) if (!this.runs.has(file)) this.announced.delete(file);
    for (const run of this.runs.values()) {
      if (run.active || !run.header || (run.state !== 'crashed' && run.state !== 'orphaned') || this.announced.has(run.file)) continue;
      this.announced.add(run.file);
      this.events.crashed({ run, discovered });
    }
    const snapshot = this.snapshot();
    // The heartbeat moves `modified` every second: alone, it is no change to show.
    const seen = JSON.stringify([snapshot.runs.map((run) => ({ ...run, modified: run.active ? undefined : run.modified })), snapshot.problems]);
    if (seen === this.lastPushed) return;
    this.lastPushed = seen;
    this.events.changed(snapshot);
  }
}

function summarize(listing: Listing): RunSummary {
  return { ...listing, folder: dirname(listing.file), hasPrevious: exists(previousGenerationPath(listing.file)) };
}

/** Whether `path` is there but no folder (a link is followed); an error leaves the question to listAutosaves. */
function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === false;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
