import { statSync } from 'node:fs';
import { AUTOSAVE_FORMAT, AUTOSAVE_PREFIX_BYTES, autosaveHeadReserve, encodeAutosaveHead, MAX_HEADER_BYTES, type AutosaveHeader, type CrashContext, type ExitRecord, type RunEnd } from '@faultguard/protocol';
import { readJournal, type RescuedData } from '../data/rescued-data';
import { currentUser, identityOf } from '../process/process-identity';
import type { Log } from '../report/log';
import type { AutosaveClaim } from './autosave-claim';
import { AutosaveFile } from './autosave-file';
import { compressJournal, type CompressedData } from './journal-compression';

export interface AutosaveRun {
  readonly journalPath: string;
  readonly programPid: number;
  readonly command: readonly string[];
  readonly cwd: string;
}

/** What the current file holds: its data's description and where its xz stream starts. */
interface Saved {
  readonly data: AutosaveHeader['data'];
  readonly dataOffset: number;
}

/** How the program ended, for the saves that record it. */
interface Ending {
  readonly exit: ExitRecord;
  readonly ended: string;
  readonly context: CrashContext | undefined;
  /** The guard starts the program again after this end: the run is not over (SPEC §11.4). */
  readonly restartPending?: true;
  /** This save records the end with older data; the final data follows in the next save. */
  readonly finalSavePending?: true;
}

/** Stands for the data fields while the header's room is measured (the widest values are used). */
const PLACEHOLDER_DATA: AutosaveHeader['data'] = { entries: 0, size: 0, crc32: 0, compression: 'xz', compressedSize: 0 };

/** How often the file's modification time is refreshed: the heartbeat readers judge liveness by. */
const HEARTBEAT_MS = 1000;

/**
 * Decides what a run's autosave holds and when, in the guard: a save right away, then every
 * interval if the journal changed, and a last one when the program ends abnormally, recording
 * how; a heartbeat every second meanwhile. One save at a time; compression runs in another
 * process, so the heartbeat keeps beating during a long save. The file itself (ownership,
 * generations, durability) is an AutosaveFile's job.
 */
export class Autosaver {
  private readonly started = new Date().toISOString();
  private readonly writer = { ...identityOf(process.pid), user: currentUser() };
  private readonly file: AutosaveFile;
  private saveTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private inFlight: { done: Promise<void>; abort: AbortController } | undefined;
  private savedStamp = '';
  private last: Saved | undefined;
  private lastError = '';
  private gaveUp = false;
  /** A save that records an end is under way: no periodic save starts until it is done. */
  private ending: Promise<unknown> | undefined;
  /** A supervised run's restarts so far and latest ends, for every header from now on. */
  private history: { readonly restarts: number; readonly ends: readonly RunEnd[] } = { restarts: 0, ends: [] };

  private run: AutosaveRun | undefined;

  constructor(
    claim: AutosaveClaim,
    private readonly intervalSeconds: number,
    private readonly log: Log,
  ) {
    this.file = new AutosaveFile(claim, () => this.giveUp());
  }

  get path(): string {
    return this.file.path;
  }

  /** The program runs (again, after a restart): save its journal from now on. */
  start(run: AutosaveRun): void {
    this.run = run;
    if (this.gaveUp) return; // a restarted program's data stays in the journal too
    this.saveIfChanged();
    clearInterval(this.saveTimer);
    this.saveTimer = setInterval(() => this.saveIfChanged(), this.intervalSeconds * 1000).unref();
    this.heartbeat ??= setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  }

  /** What the headers say of a supervised run from now on: its restarts and latest ends. */
  recordHistory(restarts: number, ends: readonly RunEnd[]): void {
    this.history = { restarts, ends };
  }

  /**
   * The program ended abnormally: record how, with the data the guard rescued (or the last
   * saved): a periodic save still compressing is abandoned, and if the last save already holds
   * the final data only the header is new. The crash context, when there is one, goes with the
   * end. With `restarting`, the guard starts the program again next: the file says so, and its
   * heartbeat goes on. Returns whether the file now holds that final state.
   */
  async finish(exit: ExitRecord, data: RescuedData | undefined, context: CrashContext | undefined, restarting = false): Promise<boolean> {
    await this.ending; // the end before this one's save, after a restart
    const done = this.recordEnd(exit, data, context, restarting);
    this.ending = done;
    try {
      return await done;
    } finally {
      if (this.ending === done) this.ending = undefined;
    }
  }

  private async recordEnd(exit: ExitRecord, data: RescuedData | undefined, context: CrashContext | undefined, restarting: boolean): Promise<boolean> {
    const unchanged = this.last !== undefined && journalStamp(this.run!.journalPath) === this.savedStamp;
    await this.stopSaving();
    const ending: Ending = { exit, ended: new Date().toISOString(), context, ...(restarting && { restartPending: true }) };
    try {
      if (data && !unchanged) {
        // The end first, with the last save's data: copying it takes moments whatever its size,
        // so readers see the crash at once, and know newer data is on its way.
        if (this.last) await this.save({ ...ending, finalSavePending: true }, (fd) => this.copyLastData(fd)).catch((error: unknown) => this.report(error));
        await this.save(ending, (fd) => compressJournal(data, fd));
      } else if (this.last) await this.save(ending, (fd) => this.copyLastData(fd));
      else throw new Error('no data could be read');
      return true;
    } catch (error) {
      this.report(error);
      // Leave no empty claim behind: it would only block the next run's autosave.
      if (!this.last) this.file.remove();
      return false;
    } finally {
      // Only now: during a long final save the file still says "running", and must look alive.
      if (!restarting) this.stopHeartbeat();
    }
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Starts no more periodic saves (one under way goes on): the program has ended, its end comes next. */
  holdSaves(): void {
    clearInterval(this.saveTimer);
  }

  /** The program ended cleanly: the autosave has served its purpose. Only our own file goes. */
  async discard(): Promise<void> {
    await this.ending;
    await this.stopSaving();
    this.stopHeartbeat();
    this.file.remove();
  }

  private async stopSaving(): Promise<void> {
    clearInterval(this.saveTimer);
    this.inFlight?.abort.abort();
    await this.inFlight?.done;
  }

  private saveIfChanged(): void {
    const run = this.run!;
    const stamp = journalStamp(run.journalPath);
    if (stamp === this.savedStamp || this.inFlight || this.ending) return; // a busy saver catches up next tick
    const abort = new AbortController();
    // finally() runs after this assignment even when the save fails at once.
    const done = this.savePeriodically(run, stamp, abort.signal).finally(() => (this.inFlight = undefined));
    this.inFlight = { done, abort };
  }

  private async savePeriodically(run: AutosaveRun, stamp: string, signal: AbortSignal): Promise<void> {
    try {
      const data = readJournal(run.journalPath);
      try {
        await this.save(null, (fd) => compressJournal(data, fd, signal), signal);
      } finally {
        data.close();
      }
      this.savedStamp = stamp;
    } catch (error) {
      if (!signal.aborted) this.report(error);
    }
  }

  /** One generation: the header made to fit room reserved before the data, which is streamed after it. */
  private async save(ending: Ending | null, writeData: (fd: number) => Promise<CompressedData>, signal?: AbortSignal): Promise<void> {
    const reserve = autosaveHeadReserve(this.header(ending, PLACEHOLDER_DATA));
    if (reserve > MAX_HEADER_BYTES) throw new Error(`the header would take ${reserve} bytes, over the ${MAX_HEADER_BYTES} allowed (command line or working directory too long)`);
    const dataOffset = AUTOSAVE_PREFIX_BYTES + reserve;
    let data: AutosaveHeader['data'] | undefined;
    const head = (written: CompressedData, compressedSize: number) => encodeAutosaveHead(this.header(ending, (data = { ...written, compressedSize })), reserve);
    await this.file.writeGeneration(dataOffset, writeData, head, signal);
    this.last = { data: data!, dataOffset };
    this.lastError = '';
  }

  private header(ending: Ending | null, data: AutosaveHeader['data']): AutosaveHeader {
    const run = this.run!;
    return {
      format: AUTOSAVE_FORMAT,
      writer: this.writer,
      program: { pid: run.programPid, command: run.command, cwd: run.cwd },
      started: this.started,
      intervalSeconds: this.intervalSeconds,
      heartbeatSeconds: HEARTBEAT_MS / 1000,
      saved: new Date().toISOString(),
      state: ending ? 'exited' : 'running',
      exit: ending?.exit ?? null,
      ended: ending?.ended ?? null,
      ...(ending?.finalSavePending && { finalSavePending: true }),
      ...(ending?.context && { context: ending.context }),
      ...(this.history.restarts > 0 && { restarts: this.history.restarts }),
      ...(this.history.ends.length > 0 && { ends: this.history.ends }),
      ...(ending?.restartPending && { restartPending: true }),
      data,
    };
  }

  /** The last save's xz stream, copied as it is: for a save whose data has not changed. */
  private async copyLastData(fd: number): Promise<CompressedData> {
    const { data, dataOffset } = this.last!;
    this.file.copyData(fd, dataOffset, data.compressedSize);
    const { compressedSize: _, ...rest } = data;
    return rest;
  }

  /**
   * Someone removed or replaced our file (faultguard rm --force, a user): the path is theirs now.
   * No more saves or heartbeats, ever. The data stays in the journal.
   */
  private giveUp(): void {
    this.log(`autosave file ${this.path} was removed or replaced by someone else; this run stops autosaving (its data stays in the journal)`, 'error');
    this.gaveUp = true;
    clearInterval(this.saveTimer);
    this.stopHeartbeat();
  }

  /** Also while the file is still an empty claim: a long first save must not look like a dead run. */
  private beat(): void {
    try {
      this.file.touch();
    } catch (error) {
      this.report(error);
    }
  }

  /** Each distinct failure once: a full disk should not flood the program's terminal. */
  private report(error: unknown): void {
    const message = `autosave to ${this.path} failed: ${(error as Error).message}`;
    if (message !== this.lastError) this.log(message, 'error');
    this.lastError = message;
  }
}

/** Changes whenever the program stores something or compacts its journal. */
function journalStamp(path: string): string {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
  } catch {
    return 'unreadable'; // the save will report why
  }
}
