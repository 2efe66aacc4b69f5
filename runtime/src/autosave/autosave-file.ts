import { closeSync, constants, fstatSync, fsyncSync, linkSync, lstatSync, lutimesSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { previousGenerationPath } from '@faultguard/protocol';
import { appendAll, readInto, writeAll } from '../files/byte-io';
import { copyDurably, syncPath } from '../files/durable';
import { openRegularFile } from '../files/regular-file';
import { randomHex } from '../files/unique-names';
import type { AutosaveClaim } from './autosave-claim';

/** Copies the last generation's data this much at a time. */
const COPY_CHUNK = 1024 * 1024;

/** link() errors that mean "this file system cannot do it", not "something is wrong". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

/**
 * One autosave file on disk, as its run owns it: the file this run created (known by its inode),
 * written a generation at a time, each whole and durable before it gets the file's name, with
 * the generation before it kept as `<file>.prev`. What to save and when is the Autosaver's.
 *
 * Should the file ever be removed or replaced by someone else (`faultguard rm --force`, a user),
 * the path is theirs for good: `onLost` is called once and nothing is written or touched there
 * again, since a new file could even be given our old inode number.
 */
export class AutosaveFile {
  readonly path: string;
  private ino: number;
  private lost = false;
  /** A generation of ours holds the name (before the first save, the name holds our empty claim). */
  private written = false;

  constructor(
    claim: AutosaveClaim,
    private readonly onLost: () => void,
  ) {
    this.path = claim.path;
    this.ino = claim.ino;
  }

  /** Whether the file at the path is still the one this run wrote. */
  isOurs(): boolean {
    if (this.lost) return false;
    try {
      return lstatSync(this.path).ino === this.ino;
    } catch {
      return false;
    }
  }

  /**
   * Writes a new generation: a fresh temporary file with `headLength` bytes of room, the data
   * streamed in after it by `writeData` (at the descriptor's offset), then the head that
   * `encodeHead` makes once the data's size is known, fsync; then the current generation is
   * kept as the previous one, the new file renamed over the path, and the folder flushed. The
   * path always names a whole file. Returns what `writeData` returned.
   */
  async writeGeneration<D>(headLength: number, writeData: (fd: number) => Promise<D>, encodeHead: (data: D, dataBytes: number) => Uint8Array, signal?: AbortSignal): Promise<D> {
    this.checkOurs();
    const temporary = this.temporaryName();
    const fd = openSync(temporary, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o600);
    let data: D;
    try {
      let ino: number;
      try {
        appendAll(fd, Buffer.alloc(headLength)); // moves the descriptor's offset to where the data goes
        data = await writeData(fd);
        writeAll(fd, encodeHead(data, fstatSync(fd).size - headLength), 0);
        fsyncSync(fd);
        ino = fstatSync(fd).ino;
      } finally {
        closeSync(fd);
      }
      if (signal?.aborted) throw new Error('aborted');
      this.checkOurs(); // again: a long save leaves time for someone to put a file there
      if (this.written) this.keepAsPrevious();
      renameSync(temporary, this.path);
      this.ino = ino;
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
    this.written = true;
    syncPath(dirname(this.path));
    return data;
  }

  /** Appends bytes [start, start + length) of the current generation to `fd`: for a save whose data has not changed. */
  copyData(fd: number, start: number, length: number): void {
    // Not through a link, never blocking: whatever was put at the path, the final save goes on.
    const { fd: source, stat } = openRegularFile(this.path);
    try {
      if (stat.ino !== this.ino) throw new Error('the file is no longer the one this run wrote; its data cannot be reused');
      const buffer = Buffer.allocUnsafe(COPY_CHUNK);
      for (let done = 0; done < length; ) {
        const n = readInto(source, buffer, 0, Math.min(COPY_CHUNK, length - done), start + done);
        if (n === 0) throw new Error('the last save is shorter than its header says');
        appendAll(fd, buffer.subarray(0, n));
        done += n;
      }
    } finally {
      closeSync(source);
    }
  }

  /**
   * The heartbeat: the modification time set to now (the file must be ours: else it is lost). A
   * link put there since the check gets the time itself, never the file it points to.
   */
  touch(): void {
    if (!this.isOurs()) return this.lose();
    const now = new Date();
    lutimesSync(this.path, now, now);
  }

  /** Removes the file, and the previous generation this run kept, if the file is still ours. */
  remove(): void {
    if (!this.isOurs()) return;
    // The older generation first: stopped half-way, the newest is still whole.
    if (this.written) rmSync(previousGenerationPath(this.path), { force: true });
    rmSync(this.path, { force: true });
  }

  private checkOurs(): void {
    if (this.isOurs()) return;
    this.lose();
    throw new Error('the file is no longer the one this run created (replaced or removed); not writing over it');
  }

  private lose(): void {
    if (!this.lost) this.onLost();
    this.lost = true;
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

  /** Named so that tools recognise it as a save's leftover should the guard be killed (SPEC §7.8). */
  private temporaryName(): string {
    return `${this.path}.tmp-${randomHex(6)}`;
  }
}
