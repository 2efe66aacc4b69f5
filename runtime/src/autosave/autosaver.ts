import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, renameSync, rmSync, statSync, utimesSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';
import { AUTOSAVE_FORMAT, crc32, encodeAutosave, encodeCompactJournal, type AutosaveHeader, type ExitRecord } from '@faultguard/protocol';
import { readJournal, type RescuedData } from '../data/rescued-data';
import type { Log } from '../guard/guard';
import type { AutosaveClaim } from './autosave-target';
import { currentUser, identityOf } from './process-identity';
import { xzCompress } from './xz';

export interface AutosaveRun {
  readonly journalPath: string;
  readonly programPid: number;
  readonly command: readonly string[];
  readonly cwd: string;
}

interface Snapshot {
  readonly data: AutosaveHeader['data'];
  readonly compressed: Buffer;
}

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
  private timers: NodeJS.Timeout[] = [];
  private inFlight: { done: Promise<void>; abort: AbortController } | undefined;
  private savedStamp = '';
  private ino: number;
  private last: Snapshot | undefined;
  private lastError = '';

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
    this.timers = [
      setInterval(() => this.saveIfChanged(), this.intervalSeconds * 1000),
      setInterval(() => this.beat(), HEARTBEAT_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /**
   * The program ended abnormally: record how, with the data the guard rescued (or the last
   * saved), at once: a periodic save still compressing is abandoned, and if the last save already
   * holds the final data only the header is new. Returns whether the file now holds that state.
   */
  async finish(exit: ExitRecord, data: RescuedData | undefined): Promise<boolean> {
    const unchanged = this.last !== undefined && journalStamp(this.run!.journalPath) === this.savedStamp;
    await this.stop();
    try {
      const snapshot = data && !unchanged ? await this.snapshot(data) : this.last;
      if (!snapshot) throw new Error('no data could be read');
      this.write(snapshot, exit);
      return true;
    } catch (error) {
      this.report(error);
      // Leave no empty claim behind: it would only block the next run's autosave.
      if (!this.last && this.isOurs()) rmSync(this.path, { force: true });
      return false;
    }
  }

  /** The program ended cleanly: the autosave has served its purpose. Only our own file goes. */
  async discard(): Promise<void> {
    await this.stop();
    if (this.isOurs()) rmSync(this.path, { force: true });
  }

  private async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.inFlight?.abort.abort();
    await this.inFlight?.done;
  }

  private saveIfChanged(): void {
    const run = this.run!;
    const stamp = journalStamp(run.journalPath);
    if (stamp === this.savedStamp || this.inFlight) return; // a busy saver catches up next tick
    const abort = new AbortController();
    // finally() runs after this assignment even when save() fails at once.
    const done = this.save(run, stamp, abort.signal).finally(() => (this.inFlight = undefined));
    this.inFlight = { done, abort };
  }

  private async save(run: AutosaveRun, stamp: string, signal: AbortSignal): Promise<void> {
    try {
      const data = readJournal(run.journalPath);
      let snapshot: Snapshot;
      try {
        snapshot = await this.snapshot(data, signal);
      } finally {
        data.close();
      }
      if (signal.aborted) return;
      this.write(snapshot, null);
      this.savedStamp = stamp;
    } catch (error) {
      if (!signal.aborted) this.report(error);
    }
  }

  private async snapshot(data: RescuedData, signal?: AbortSignal): Promise<Snapshot> {
    const journal = encodeCompactJournal(Array.from(data.keys(), (key) => {
      const raw = data.readRaw(key)!;
      return [key, raw.encoding, raw.bytes] as const;
    }));
    const compressed = await xzCompress(journal, signal);
    return {
      compressed,
      data: { entries: data.size, size: journal.length, crc32: crc32(journal), compression: 'xz', compressedSize: compressed.length },
    };
  }

  /** A fresh temporary file, fsync, rename over our own file, fsync of the folder. */
  private write(snapshot: Snapshot, exit: ExitRecord | null): void {
    const run = this.run!;
    if (!this.isOurs()) throw new Error('the file is no longer the one this run created (replaced or removed); not writing over it');
    const now = new Date().toISOString();
    const header: AutosaveHeader = {
      format: AUTOSAVE_FORMAT,
      writer: this.writer,
      program: { pid: run.programPid, command: run.command, cwd: run.cwd },
      started: this.started,
      intervalSeconds: this.intervalSeconds,
      saved: now,
      state: exit ? 'exited' : 'running',
      exit,
      ended: exit ? now : null,
      data: snapshot.data,
    };
    const temporary = `${this.path}.tmp-${randomBytes(6).toString('hex')}`;
    const fd = openSync(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
    try {
      let ino: number;
      try {
        const chunks = encodeAutosave(header, snapshot.compressed);
        const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        const written = writevSync(fd, chunks);
        if (written !== length) throw new Error(`short write: ${written} of ${length} bytes (disk full?)`);
        fsyncSync(fd);
        ino = fstatSync(fd).ino;
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.path);
      this.ino = ino;
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    syncFolder(dirname(this.path));
    this.last = snapshot;
    this.lastError = '';
  }

  private isOurs(): boolean {
    try {
      return statSync(this.path).ino === this.ino;
    } catch {
      return false;
    }
  }

  private beat(): void {
    if (!this.last || !this.isOurs()) return; // nothing written yet, or not ours to touch
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
