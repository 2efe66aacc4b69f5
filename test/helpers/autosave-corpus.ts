// The corrupt corpus: every way an autosave file can be wrong, generated from a real autosave of
// a really killed run. One generator for every reader under test (the API and CLI in
// autosave-corpus.test.ts, the editor's recovery service in recovery-service.test.ts), so that
// all of them meet the same files.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, decodeAutosaveHeader, encodeAutosaveHead, encodeJournalHeader, encodeRecord, Encoding, RecordType, type AutosaveHeader } from '@faultguard/protocol';
import type { AutosaveProblem } from '@faultguard/runtime';
import { fixture, run } from './processes';

/** One corrupt file: its bytes, the problems a reader may report, and what its message must say. */
export interface CorpusCase {
  /** Unique in its group; usable in a file name. */
  readonly name: string;
  readonly bytes: Buffer;
  readonly problems: readonly AutosaveProblem[];
  readonly message?: RegExp;
}

/** The autosave that `crash-app kill` leaves behind (a real run, really SIGKILLed), with extra env for it. */
export async function killedRunAutosave(dir: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<Buffer> {
  const file = join(dir, `${name}.fgsave`);
  const result = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...process.env, AUTOSAVE: file, FAULTGUARD_JOURNAL_DIR: join(dir, 'journals'), ...env } });
  assert.equal(result.signal, 'SIGKILL', result.stderr);
  return readFileSync(file);
}

/** The cases, derived from one real file (holding crash-app's three small values). */
export class Corpus {
  readonly header: AutosaveHeader;
  readonly dataOffset: number;

  constructor(readonly original: Buffer) {
    ({ header: this.header, dataOffset: this.dataOffset } = decodeAutosaveHeader(original));
  }

  /** The original with a changed header (checksum recomputed: only the change is wrong), over `data`. */
  withHeader(change: (header: AutosaveHeader) => unknown, data = this.original.subarray(this.dataOffset)): Buffer {
    const changed = structuredClone(this.header) as AutosaveHeader;
    change(changed);
    return Buffer.concat([encodeAutosaveHead(changed), data]);
  }

  /** The original's data section. */
  get data(): Buffer {
    return this.original.subarray(this.dataOffset);
  }

  /** The journal the original's data decompresses to. */
  journal(): Buffer {
    return spawnSync('xz', ['--decompress', '--stdout'], { input: this.data }).stdout;
  }

  /** The original's header over other data, `compressedSize` made to fit it. */
  withData(data: Buffer): Buffer {
    return this.withHeader((h) => Object.assign(h.data, { compressedSize: data.length }), data);
  }

  /** Cut at every byte offset. */
  truncations(): CorpusCase[] {
    return Array.from({ length: this.original.length }, (_, length) => ({
      name: `cut-${length}`,
      bytes: this.original.subarray(0, length),
      problems: length === 0 ? ['claim'] : ['invalid'],
    }));
  }

  /** Every single-bit flip in the head, and one in each byte of the data. */
  flips(): CorpusCase[] {
    const flips: Array<[number, number]> = [];
    for (let offset = 0; offset < this.dataOffset; offset++) for (let bit = 0; bit < 8; bit++) flips.push([offset, bit]);
    for (let offset = this.dataOffset; offset < this.original.length; offset++) flips.push([offset, offset % 8]);
    return flips.map(([offset, bit]) => ({ name: `flip-${offset}-${bit}`, bytes: flipped(this.original, offset, bit), problems: ['invalid'] }));
  }

  /** Foreign, future, malformed and hostile files, each with the reason it must be refused for. */
  hostile(): CorpusCase[] {
    const { original } = this;
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const cases: Array<[string, Buffer, RegExp]> = [
      ['a PNG', png, /not a Faultguard autosave: wrong magic bytes/],
      ['a text file', Buffer.from('my thesis, chapter 1\n'), /wrong magic bytes/],
      ['too short', original.subarray(0, 10), /too short/],
      ['a future format', this.withHeader((h) => Object.assign(h, { format: 2 })), /format 2 is newer than this reader.*upgrade Faultguard/],
      ['a header that is not an object', this.headOf(Buffer.from('[1,2,3]')), /not a JSON object/],
      ['a header missing its writer', this.withHeader((h) => delete (h as { writer?: unknown }).writer), /malformed: writer.pid is not a process ID/],
      ['a command that is not a list', this.withHeader((h) => Object.assign(h.program, { command: 'rm -rf /' })), /program.command is not a list of strings/],
      ['an unknown compression', this.withHeader((h) => Object.assign(h.data, { compression: 'zstd' })), /data.compression is not "xz"/],
      ['an exit reason that is a number', this.withHeader((h) => Object.assign(h.exit!, { reason: 5 })), /malformed: exit is not an exit record/],
      ['an exit record that is a list', this.withHeader((h) => Object.assign(h, { exit: [] })), /exit is not an exit record/],
      ['a start time that is a number', this.withHeader((h) => Object.assign(h, { started: 7 })), /started is not a string/],
      ['an end that is a number', this.withHeader((h) => Object.assign(h, { ended: 7 })), /ended is not a string or null/],
      ['a working directory that is an object', this.withHeader((h) => Object.assign(h.program, { cwd: {} })), /program.cwd is not a string/],
      ['a user that is a number', this.withHeader((h) => Object.assign(h.writer, { user: 0 })), /writer.user is not a string/],
      ['a running run with an exit', this.withHeader((h) => Object.assign(h, { state: 'running' })), /exit is not null while running/],
      ['a crash context that is a string', this.withHeader((h) => Object.assign(h, { context: 'rm -rf /' })), /context is not an object/],
      ['a crash context with a huge error message', this.withHeader((h) => Object.assign(h, { context: { format: 1, error: { kind: 'uncaught-exception', message: 'x'.repeat(100_000), time: 0 } } })), /context.error.message is not a string of at most 4096 characters/],
      ['a crash context with breadcrumbs of the wrong shape', this.withHeader((h) => Object.assign(h, { context: { format: 1, breadcrumbs: [{ seq: -1, time: 0, text: 'a' }] } })), /context.breadcrumbs is not a list/],
      ['a crash context whose output is code', this.withHeader((h) => Object.assign(h, { context: { format: 1, output: { stderr: { text: 'a', bytes: '1; rm' } } } })), /context.output.stderr is not an output tail/],
      ['a header length of 4 GiB', withU32(original, 8, 0xfffffff0), /header claims 4294967280 bytes/],
      ['a compressed size of 2^53', this.withHeader((h) => Object.assign(h.data, { compressedSize: Number.MAX_SAFE_INTEGER })), /the header says 9007199254740991 \(file cut short/],
      ['extra bytes after the data', Buffer.concat([original, Buffer.from('tail')]), /file cut short or appended to/],
      ['a negative size', this.withHeader((h) => Object.assign(h.data, { size: -1 })), /data.size is not a size/],
      ['a size larger than the data holds', this.withHeader((h) => Object.assign(h.data, { size: 900_000 })), /decompressed to 95 bytes, the header says 900000$/],
      ['a wrong data checksum', this.withHeader((h) => Object.assign(h.data, { crc32: (h.data.crc32 + 1) >>> 0 })), /data checksum mismatch/],
      ['a wrong entry count', this.withHeader((h) => Object.assign(h.data, { entries: 4 })), /holds 3 entries, the header says 4/],
      ['data that is not xz', this.withHeader((h) => Object.assign(h.data, { compressedSize: 11 }), Buffer.from('hello world')), /damaged data: /],
      // Stream padding: what decoders accept (xz, XZ Embedded) and the format does not (SPEC §7.1).
      ['stream padding after the data', this.withData(Buffer.concat([this.data, Buffer.alloc(4)])), /damaged data: stream padding before offset \d+: only whole .xz streams/],
      ['stream padding between two streams', this.withData(Buffer.concat([xz(this.journal().subarray(0, 40)), Buffer.alloc(8), xz(this.journal().subarray(40))])), /damaged data: stream padding before offset \d+: only whole .xz streams/],
    ];
    return cases.map(([name, bytes, message]) => ({ name, bytes, problems: ['invalid'], message }));
  }

  /** A size declared over `limit`: refused before anything is decompressed. */
  declaredTooLarge(limit: number): CorpusCase {
    return { name: 'declared-too-large', bytes: this.withHeader((h) => Object.assign(h.data, { size: 2 ** 52 })), problems: ['too-large'], message: new RegExp(`data of 4503599627370496 bytes is over the limit of ${limit}`) };
  }

  /**
   * 200 MiB of zeros, xz'd to a few KB, under a header that lies about its size (refused as
   * soon as the output passes it) and one that tells it (refused by a `limit` below 200 MiB).
   */
  xzBombs(limit: number): CorpusCase[] {
    const journal = Buffer.concat([encodeJournalHeader(), ...encodeRecord(RecordType.Set, Encoding.Bytes, Buffer.from('zeros'), Buffer.alloc(200 * 1024 * 1024))]);
    const bomb = spawnSync('xz', ['-9', '--stdout'], { input: journal, maxBuffer: 1024 * 1024 }).stdout;
    assert.ok(bomb.length < 100_000, `200 MiB became ${bomb.length} bytes`);
    return [
      { name: 'lying-bomb', bytes: this.withHeader((h) => Object.assign(h.data, { size: 1000, compressedSize: bomb.length }), bomb), problems: ['invalid'], message: /decompresses to more than the 1000 bytes the header announces/ },
      { name: 'honest-bomb', bytes: this.withHeader((h) => Object.assign(h.data, { size: journal.length, compressedSize: bomb.length }), bomb), problems: ['too-large'], message: new RegExp(`over the limit of ${limit}`) },
    ];
  }

  /** A head with this JSON as its header, checksum right. */
  private headOf(json: Buffer): Buffer {
    const head = Buffer.alloc(16 + json.length);
    this.original.copy(head, 0, 0, 8);
    head.writeUInt32LE(json.length, 8);
    json.copy(head, 12);
    head.writeUInt32LE(crc32(json), 12 + json.length);
    return head;
  }
}

/** A flip every 997 bytes of the data of `bytes` (an autosave whose data has a stored stream). */
export function storedStreamDamage(bytes: Buffer): CorpusCase[] {
  const { dataOffset } = decodeAutosaveHeader(bytes);
  const cases: CorpusCase[] = [];
  for (let offset = dataOffset; offset < bytes.length; offset += 997) cases.push({ name: `stored-flip-${offset}`, bytes: flipped(bytes, offset, offset % 8), problems: ['invalid'] });
  return cases;
}

/** Things named like an autosave that are not files: a directory, a FIFO, a symlink (to a good file). */
export function specialFiles(folder: string, good: Buffer): Array<{ file: string; message: RegExp }> {
  mkdirSync(folder, { recursive: true });
  const directory = join(folder, 'dir.fgsave');
  mkdirSync(directory);
  const fifo = join(folder, 'fifo.fgsave');
  spawnSync('mkfifo', [fifo]);
  const target = join(folder, 'target.bin');
  writeFileSync(target, good);
  const link = join(folder, 'link.fgsave');
  symlinkSync(target, link);
  return [
    { file: directory, message: /not a regular file: a directory/ },
    { file: fifo, message: /not a regular file: a FIFO/ },
    { file: link, message: /is a symbolic link/ },
  ];
}

/** Writes each case to `folder` as `<name>.fgsave`; returns the files, in the cases' order. */
export function writeCases(folder: string, cases: readonly CorpusCase[]): string[] {
  mkdirSync(folder, { recursive: true });
  return cases.map((corpusCase) => {
    const file = join(folder, `${corpusCase.name}.fgsave`);
    writeFileSync(file, corpusCase.bytes);
    return file;
  });
}

/** `bytes` as one .xz stream, as the reference's xz makes it. */
function xz(bytes: Buffer): Buffer {
  return spawnSync('xz', ['--compress', '--format=xz', '--check=crc64', '-0', '--stdout'], { input: bytes }).stdout;
}

function flipped(bytes: Buffer, offset: number, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset] ^= 1 << bit;
  return copy;
}

function withU32(bytes: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(value, offset);
  return copy;
}
