import { randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, fstatSync, fsyncSync, linkSync, lstatSync, openSync, readSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AUTOSAVE_FORMAT, autosaveHeadReserve, crc32, MAX_HEADER_BYTES, encodeAutosaveHead, encodeJournalHeader, encodeRecord, previousGenerationPath, journalVersionFor, setRecordKey, type AutosaveHeader, type ExitRecord,
} from '@faultguard/protocol';
import { readJournal, type RescuedData } from '../data/rescued-data';
import type { Log } from '../guard/guard';
import type { AutosaveClaim } from './autosave-target';
import { currentUser, identityOf } from '../process/process-identity';
import { appendAll } from '../files/append-all';
import { looksIncompressible, XzStreamsWriter, type Treatment } from './xz-streams';

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

type DataWithoutSize = Omit<AutosaveHeader['data'], 'compressedSize'>;

/** How the program ended, for the saves that record it. */
interface Ending {
  readonly exit: ExitRecord;
  readonly ended: string;
  /** This save records the end with older data; the final data follows in the next save. */
  readonly finalSavePending?: true;
}

/** Values from this size on decide, by their own bytes, whether their records are compressed. */
const LARGE_VALUE = 64 * 1024;

/** Copies the last save's xz stream this much at a time when only the header changes. */
const COPY_CHUNK = 1024 * 1024;

/** Stands for the data fields while the header's room is measured (the widest values are used). */
const PLACEHOLDER_DATA: AutosaveHeader['data'] = { entries: 0, size: 0, crc32: 0, compression: 'xz', compressedSize: 0 };

/** How often the file's modification time is refreshed: the heartbeat readers judge liveness by. */
const HEARTBEAT_MS = 1000;

/**
 * Writes a run's autosave file, in the guard: right away, then every interval if the journal
 * changed, and a last time when the program ends abnormally, recording how. One save at a time;
 * compression runs in another process, so the heartbeat keeps beating during a long save.
 */
export class Autosaver {
  private readonly started = new Date().toISOString();
  private readonly writer = { ...identityOf(process.pid), user: currentUser() };
  readonly path: string;
  private saveTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private inFlight: { done: Promise<void>; abort: AbortController } | undefined;
  private savedStamp = '';
  private ino: number;
  private last: Saved | undefined;
  private lastError = '';
  private gaveUp = false;

  private run: AutosaveRun | undefined;

  constructor(
    claim: AutosaveClaim,
    private readonly intervalSeconds: number,
    private readonly log: Log,
  ) {
    this.path = claim.path;
    this.ino = claim.ino;
  }

  /** The program runs: save its journal from now on. */
  start(run: AutosaveRun): void {
    this.run = run;
    this.saveIfChanged();
    this.saveTimer = setInterval(() => this.saveIfChanged(), this.intervalSeconds * 1000).unref();
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS).unref();
  }

  /**
   * The program ended abnormally: record how, with the data the guard rescued (or the last
   * saved): a periodic save still compressing is abandoned, and if the last save already holds
   * the final data only the header is new. Returns whether the file now holds that final state.
   */
  async finish(exit: ExitRecord, data: RescuedData | undefined): Promise<boolean> {
    const unchanged = this.last !== undefined && journalStamp(this.run!.journalPath) === this.savedStamp;
    await this.stopSaving();
    const ending: Ending = { exit, ended: new Date().toISOString() };
    try {
      if (data && !unchanged) {
        // The end first, with the last save's data: copying it takes moments whatever its size,
        // so readers see the crash at once, and know newer data is on its way.
        if (this.last) await this.save({ ...ending, finalSavePending: true }, (fd) => this.copyLastData(fd)).catch((error: unknown) => this.report(error));
        await this.save(ending, (fd) => this.compress(data, fd));
      } else if (this.last) await this.save(ending, (fd) => this.copyLastData(fd));
      else throw new Error('no data could be read');
      return true;
    } catch (error) {
      this.report(error);
      // Leave no empty claim behind: it would only block the next run's autosave.
      if (!this.last && this.isOurs()) rmSync(this.path, { force: true });
      return false;
    } finally {
      // Only now: during a long final save the file still says "running", and must look alive.
      clearInterval(this.heartbeat);
    }
  }

  /** The program ended cleanly: the autosave has served its purpose. Only our own file goes. */
  async discard(): Promise<void> {
    await this.stopSaving();
    clearInterval(this.heartbeat);
    if (!this.isOurs()) return;
    // The older generation first: stopped half-way, the newest is still whole.
    rmSync(previousGenerationPath(this.path), { force: true });
    rmSync(this.path, { force: true });
  }

  private async stopSaving(): Promise<void> {
    clearInterval(this.saveTimer);
    this.inFlight?.abort.abort();
    await this.inFlight?.done;
  }

  private saveIfChanged(): void {
    const run = this.run!;
    const stamp = journalStamp(run.journalPath);
    if (stamp === this.savedStamp || this.inFlight) return; // a busy saver catches up next tick
    const abort = new AbortController();
    // finally() runs after this assignment even when the save fails at once.
    const done = this.savePeriodically(run, stamp, abort.signal).finally(() => (this.inFlight = undefined));
    this.inFlight = { done, abort };
  }

  private async savePeriodically(run: AutosaveRun, stamp: string, signal: AbortSignal): Promise<void> {
    try {
      const data = readJournal(run.journalPath);
      try {
        await this.save(null, (fd) => this.compress(data, fd, signal), signal);
      } finally {
        data.close();
      }
      this.savedStamp = stamp;
    } catch (error) {
      if (!signal.aborted) this.report(error);
    }
  }

  /**
   * A fresh temporary file: room for the header, the data streamed in after it, the header
   * filled in, fsync; then rename over our own file and fsync of the folder. The path always
   * names a whole file, and the data never sits whole in the guard's memory.
   */
  private async save(ending: Ending | null, writeData: (fd: number) => Promise<DataWithoutSize>, signal?: AbortSignal): Promise<void> {
    this.checkOurs();
    const reserve = autosaveHeadReserve(this.header(ending, PLACEHOLDER_DATA));
    if (reserve > MAX_HEADER_BYTES) throw new Error(`the header would take ${reserve} bytes, over the ${MAX_HEADER_BYTES} allowed (command line or working directory too long)`);
    const dataOffset = 16 + reserve;
    const temporary = this.temporaryName();
    const fd = openSync(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
    let data: AutosaveHeader['data'];
    try {
      let ino: number;
      try {
        appendAll(fd, Buffer.alloc(dataOffset)); // moves the descriptor's offset to where the data goes
        const written = await writeData(fd);
        data = { ...written, compressedSize: fstatSync(fd).size - dataOffset };
        const head = encodeAutosaveHead(this.header(ending, data), reserve);
        for (let done = 0; done < head.length; ) done += writeSync(fd, head, done, head.length - done, done);
        fsyncSync(fd);
        ino = fstatSync(fd).ino;
      } finally {
        closeSync(fd);
      }
      if (signal?.aborted) throw new Error('aborted');
      this.checkOurs(); // again: a long save leaves time for someone to put a file there
      if (this.last) this.keepAsPrevious();
      renameSync(temporary, this.path);
      this.ino = ino;
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    syncFolder(dirname(this.path));
    this.last = { data, dataOffset };
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
      data,
    };
  }

  /**
   * Makes the current file the previous generation, atomically: a second name for it is put in
   * place of the older generation by rename, so at every instant both names hold whole files.
   * Should the newest ever turn out damaged (a disk that lied about fsync), readers fall back.
   */
  private keepAsPrevious(): void {
    const previous = previousGenerationPath(this.path);
    const link = this.temporaryName();
    try {
      try {
        linkSync(this.path, link);
      } catch (error) {
        if (!NO_HARD_LINKS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        copyDurably(this.path, link);
      }
      renameSync(link, previous);
    } catch (error) {
      rmSync(link, { force: true });
      throw error;
    }
  }

  /**
   * The data as a compact journal (one Set per entry), compressed on its way into `fd`. Large
   * values that would not compress are stored as they are; small records go along with
   * whatever came before them, so that the data is cut into few streams.
   */
  private async compress(data: RescuedData, fd: number, signal?: AbortSignal): Promise<DataWithoutSize> {
    let size = 0;
    let crc = 0;
    const xz = new XzStreamsWriter(fd, signal);
    let treatment: Treatment = 'compress';
    const put = async (chunk: Uint8Array) => {
      crc = crc32(chunk, 0, chunk.length, crc);
      size += chunk.length;
      await xz.write(chunk, treatment);
    };
    try {
      await put(encodeJournalHeader(journalVersionFor(data.keys())));
      for (const key of data.keys()) {
        const { encoding, bytes } = data.readRaw(key)!;
        if (bytes.length >= LARGE_VALUE) treatment = looksIncompressible(bytes) ? 'store' : 'compress';
        const record = setRecordKey(key);
        for (const chunk of encodeRecord(record.type, encoding, record.bytes, bytes)) await put(chunk);
      }
      await xz.end();
    } catch (error) {
      xz.abort();
      throw error;
    }
    return { entries: data.size, size, crc32: crc, compression: 'xz' };
  }

  /** The last save's xz stream, copied as it is: for a save whose data has not changed. */
  private async copyLastData(fd: number): Promise<DataWithoutSize> {
    const { data, dataOffset } = this.last!;
    const source = openSync(this.path, 'r');
    try {
      if (fstatSync(source).ino !== this.ino) throw new Error('the file is no longer the one this run wrote; its data cannot be reused');
      const buffer = Buffer.allocUnsafe(COPY_CHUNK);
      for (let done = 0; done < data.compressedSize; ) {
        const n = readSync(source, buffer, 0, Math.min(COPY_CHUNK, data.compressedSize - done), dataOffset + done);
        if (n === 0) throw new Error('the last save is shorter than its header says');
        appendAll(fd, buffer.subarray(0, n));
        done += n;
      }
    } finally {
      closeSync(source);
    }
    const { compressedSize: _, ...rest } = data;
    return rest;
  }

  /** Named so that tools recognise it as a save's leftover should the guard be killed (SPEC §7.8). */
  private temporaryName(): string {
    return `${this.path}.tmp-${randomBytes(6).toString('hex')}`;
  }

  private checkOurs(): void {
    if (this.isOurs()) return;
    this.giveUp();
    throw new Error('the file is no longer the one this run created (replaced or removed); not writing over it');
  }

  private isOurs(): boolean {
    if (this.gaveUp) return false; // for good: a new file could have been given our old inode number
    try {
      return lstatSync(this.path).ino === this.ino;
    } catch {
      return false;
    }
  }

  /**
   * Someone removed or replaced our file (faultguard rm --force, a user): the path is theirs now.
   * No more saves or heartbeats, ever; retrying could even write over a new run's file, should
   * it get our old inode number. The data stays in the journal.
   */
  private giveUp(): void {
    if (!this.gaveUp) this.log(`autosave file ${this.path} was removed or replaced by someone else; this run stops autosaving (its data stays in the journal)`, 'error');
    this.gaveUp = true;
    clearInterval(this.saveTimer);
    clearInterval(this.heartbeat);
  }

  /** Also while the file is still an empty claim: a long first save must not look like a dead run. */
  private beat(): void {
    if (!this.isOurs()) return this.giveUp();
    const now = new Date();
    try {
      utimesSync(this.path, now, now);
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

/** link() errors that mean "this file system cannot do it", not "something is wrong". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

/** A copy that is on disk before it gets a name readers trust. */
function copyDurably(from: string, to: string): void {
  copyFileSync(from, to, constants.COPYFILE_EXCL);
  const fd = openSync(to, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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

function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
