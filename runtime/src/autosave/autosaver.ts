import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';
import { AUTOSAVE_FORMAT, crc32, encodeAutosave, encodeCompactJournal, type AutosaveHeader, type ExitRecord } from '@faultguard/protocol';
import { readJournal, type RescuedData } from '../data/rescued-data';
import { currentUser, identityOf } from './process-identity';
import { loadXz } from './xz';

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
 * changed, and a last time when the program ends abnormally, recording how. Compression runs on
 * libuv's thread pool, so the heartbeat keeps beating during a long save.
 */
export class Autosaver {
  private readonly started = new Date().toISOString();
  private readonly writer = { ...identityOf(process.pid), user: currentUser() };
  private timers: NodeJS.Timeout[] = [];
  private saving: Promise<void> = Promise.resolve();
  private journalStamp = '';
  private last: Snapshot | undefined;
  private lastError = '';

  constructor(
    readonly path: string,
    private readonly intervalSeconds: number,
    private readonly run: AutosaveRun,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    this.saveIfChanged();
    this.timers = [
      setInterval(() => this.saveIfChanged(), this.intervalSeconds * 1000),
      setInterval(() => this.beat(), HEARTBEAT_MS),
    ];
    for (const timer of this.timers) timer.unref();
  }

  /**
   * The program ended abnormally: record how, with the data the guard rescued (or the last
   * saved). Returns whether the file now holds that final state.
   */
  async finish(exit: ExitRecord, data: RescuedData | undefined): Promise<boolean> {
    this.stopTimers();
    await this.saving;
    try {
      const snapshot = data ? await this.snapshot(data) : this.last;
      if (!snapshot) throw new Error('no data could be read');
      this.write(snapshot, exit);
      return true;
    } catch (error) {
      this.report(error);
      return false;
    }
  }

  /** The program ended cleanly: the autosave has served its purpose. */
  async discard(): Promise<void> {
    this.stopTimers();
    await this.saving;
    rmSync(this.path, { force: true });
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private saveIfChanged(): void {
    const stamp = journalStamp(this.run.journalPath);
    if (stamp === this.journalStamp) return;
    this.saving = this.saving.then(async () => {
      try {
        const snapshot = await this.snapshot(readJournal(this.run.journalPath));
        this.write(snapshot, null);
        this.journalStamp = stamp;
      } catch (error) {
        this.report(error);
      }
    });
  }

  private async snapshot(data: RescuedData): Promise<Snapshot> {
    const journal = encodeCompactJournal(Array.from(data.keys(), (key) => {
      const raw = data.readRaw(key)!;
      return [key, raw.encoding, raw.bytes] as const;
    }));
    const compressed = await loadXz().compress(journal);
    return {
      compressed,
      data: { entries: data.size, size: journal.length, crc32: crc32(journal), compression: 'xz', compressedSize: compressed.length },
    };
  }

  /** Temporary file, fsync, rename, fsync of the folder: the path always names a whole file. */
  private write(snapshot: Snapshot, exit: ExitRecord | null): void {
    const now = new Date().toISOString();
    const header: AutosaveHeader = {
      format: AUTOSAVE_FORMAT,
      writer: this.writer,
      program: { pid: this.run.programPid, command: this.run.command, cwd: this.run.cwd },
      started: this.started,
      intervalSeconds: this.intervalSeconds,
      saved: now,
      state: exit ? 'exited' : 'running',
      exit,
      ended: exit ? now : null,
      data: snapshot.data,
    };
    const temporary = `${this.path}.tmp-${process.pid}`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      try {
        const chunks = encodeAutosave(header, snapshot.compressed);
        const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
        const written = writevSync(fd, chunks);
        if (written !== length) throw new Error(`short write: ${written} of ${length} bytes (disk full?)`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      // The first save must not replace a file someone else created meanwhile: link() refuses
      // to, rename() would not. Later saves replace our own previous one.
      if (this.last) renameSync(temporary, this.path);
      else {
        linkSync(temporary, this.path);
        unlinkSync(temporary);
      }
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    syncFolder(dirname(this.path));
    this.last = snapshot;
    this.lastError = '';
  }

  private beat(): void {
    if (!this.last) return; // nothing written yet
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
    if (message !== this.lastError) this.log(message);
    this.lastError = message;
  }
}

/** Changes whenever the program stores something or compacts its journal. */
function journalStamp(path: string): string {
  try {
    const stat = statSync(path, { bigint: true });
    return `${stat.ino}:${stat.size}:${stat.mtimeNs}`;
  } catch {
    return '';
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
