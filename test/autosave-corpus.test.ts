// The corrupt corpus: every way an autosave file can be wrong, generated here from a real
// autosave of a really killed run. Each case must give an AutosaveError that names the file,
// through the API and through the CLI, and nothing may crash, hang or return data.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { crc32, decodeAutosaveHeader, encodeAutosaveHead, encodeJournalHeader, encodeRecord, Encoding, RecordType, type AutosaveHeader } from '@faultguard/protocol';
import { AutosaveError, listAutosaves, readAutosave, type AutosaveProblem } from '@faultguard/runtime';
import { CLI, fixture, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let original: Buffer;
let header: AutosaveHeader;
let dataOffset: number;
let serial = 0;

before(async () => {
  const file = join(dir.path, 'real.fgsave');
  const result = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...process.env, AUTOSAVE: file, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') } });
  assert.equal(result.signal, 'SIGKILL');
  original = readFileSync(file);
  ({ header, dataOffset } = decodeAutosaveHeader(original));
});

/** A corpus file of its own folder: no previous generation to fall back to. */
function corpusFile(bytes: Uint8Array, name = 'case.fgsave'): string {
  const folder = join(dir.path, `case-${serial++}`);
  mkdirSync(folder);
  const file = join(folder, name);
  writeFileSync(file, bytes);
  return file;
}

async function assertRefused(file: string, problems: readonly AutosaveProblem[], message?: RegExp, options = {}): Promise<void> {
  await assert.rejects(readAutosave(file, options), (error: unknown) => {
    assert.ok(error instanceof AutosaveError, `an AutosaveError, not ${String(error)}`);
    assert.ok(error.message.startsWith(`${file}: `), `the message names the file: ${error.message}`);
    assert.ok(problems.includes(error.problem), `${error.problem} for ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function withHeader(change: (header: AutosaveHeader) => unknown, data = original.subarray(dataOffset)): Buffer {
  const changed = structuredClone(header) as AutosaveHeader;
  change(changed);
  return Buffer.concat([encodeAutosaveHead(changed), data]);
}

test('the real file reads back (the corpus starts from a good file)', async () => {
  const saved = await readAutosave(corpusFile(original));
  assert.deepEqual(saved.data.toObject(), { text: 'héllo wörld', numbers: [1, 2, 3], binary: Buffer.from([0, 1, 2, 255]) });
});

test('truncated at every byte offset: refused, naming the file', async () => {
  const folder = join(dir.path, 'truncated');
  mkdirSync(folder);
  for (let length = 0; length < original.length; length++) {
    const file = join(folder, `cut-${length}.fgsave`);
    writeFileSync(file, original.subarray(0, length));
    await assertRefused(file, length === 0 ? ['claim'] : ['invalid']);
  }
});

test('every single-bit flip in the head, and one in each byte of the data: refused', async () => {
  const folder = join(dir.path, 'flipped');
  mkdirSync(folder);
  const flips: Array<[number, number]> = [];
  for (let offset = 0; offset < dataOffset; offset++) for (let bit = 0; bit < 8; bit++) flips.push([offset, bit]);
  for (let offset = dataOffset; offset < original.length; offset++) flips.push([offset, offset % 8]);
  for (const [offset, bit] of flips) {
    const bytes = Buffer.from(original);
    bytes[offset] ^= 1 << bit;
    const file = join(folder, `flip-${offset}-${bit}.fgsave`);
    writeFileSync(file, bytes);
    await assertRefused(file, ['invalid']);
  }
});

test('data in two streams, the second stored: read back, and damage anywhere in it refused', async () => {
  const file = join(dir.path, 'streams.fgsave');
  const result = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...process.env, AUTOSAVE: file, NOISE_KIB: '256', FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') } });
  assert.equal(result.signal, 'SIGKILL');
  const bytes = readFileSync(file);
  const saved = await readAutosave(corpusFile(bytes));
  assert.equal((saved.data.get('noise') as Buffer).length, 256 * 1024);
  const { dataOffset: start } = decodeAutosaveHeader(bytes);
  const dataFile = join(dir.path, 'streams.xz');
  writeFileSync(dataFile, bytes.subarray(start));
  const listing = spawnSync('xz', ['--list', '--robot', dataFile]).stdout.toString();
  assert.match(listing, /^totals\t2\t/m, 'two streams: the small values compressed, the random ones stored');
  const folder = join(dir.path, 'stored-damage');
  mkdirSync(folder);
  for (let offset = start; offset < bytes.length; offset += 997) {
    const damaged = Buffer.from(bytes);
    damaged[offset] ^= 1 << (offset % 8);
    const damagedFile = join(folder, `flip-${offset}.fgsave`);
    writeFileSync(damagedFile, damaged);
    await assertRefused(damagedFile, ['invalid']);
  }
});

test('foreign, future, malformed and hostile files: each refused with its reason', async (t) => {
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const cases: Array<[string, Buffer, RegExp]> = [
    ['a PNG', png, /not a Faultguard autosave: wrong magic bytes/],
    ['a text file', Buffer.from('my thesis, chapter 1\n'), /wrong magic bytes/],
    ['too short', original.subarray(0, 10), /too short/],
    ['a future format', withHeader((h) => Object.assign(h, { format: 2 })), /format 2 is newer than this reader.*upgrade Faultguard/],
    ['a header that is not an object', (() => {
      const json = Buffer.from('[1,2,3]');
      const head = Buffer.alloc(16 + json.length);
      original.copy(head, 0, 0, 8);
      head.writeUInt32LE(json.length, 8);
      json.copy(head, 12);
      head.writeUInt32LE(crc32(json), 12 + json.length);
      return head;
    })(), /not a JSON object/],
    ['a header missing its writer', withHeader((h) => delete (h as { writer?: unknown }).writer), /malformed: writer.pid is not a process ID/],
    ['a command that is not a list', withHeader((h) => Object.assign(h.program, { command: 'rm -rf /' })), /program.command is not a list of strings/],
    ['an unknown compression', withHeader((h) => Object.assign(h.data, { compression: 'zstd' })), /data.compression is not "xz"/],
    ['an exit reason that is a number', withHeader((h) => Object.assign(h.exit!, { reason: 5 })), /malformed: exit is not an exit record/],
    ['an exit record that is a list', withHeader((h) => Object.assign(h, { exit: [] })), /exit is not an exit record/],
    ['a start time that is a number', withHeader((h) => Object.assign(h, { started: 7 })), /started is not a string/],
    ['an end that is a number', withHeader((h) => Object.assign(h, { ended: 7 })), /ended is not a string or null/],
    ['a working directory that is an object', withHeader((h) => Object.assign(h.program, { cwd: {} })), /program.cwd is not a string/],
    ['a user that is a number', withHeader((h) => Object.assign(h.writer, { user: 0 })), /writer.user is not a string/],
    ['a running run with an exit', withHeader((h) => Object.assign(h, { state: 'running' })), /exit is not null while running/],
    ['a header length of 4 GiB', (() => {
      const bytes = Buffer.from(original);
      bytes.writeUInt32LE(0xfffffff0, 8);
      return bytes;
    })(), /header claims 4294967280 bytes/],
    ['a compressed size of 2^53', withHeader((h) => Object.assign(h.data, { compressedSize: Number.MAX_SAFE_INTEGER })), /the header says 9007199254740991 \(file cut short/],
    ['extra bytes after the data', Buffer.concat([original, Buffer.from('tail')]), /file cut short or appended to/],
    ['a negative size', withHeader((h) => Object.assign(h.data, { size: -1 })), /data.size is not a size/],
    ['a size larger than the data holds', withHeader((h) => Object.assign(h.data, { size: 900_000_000 })), /decompressed to 95 bytes, the header says 900000000/],
    ['a wrong data checksum', withHeader((h) => Object.assign(h.data, { crc32: (h.data.crc32 + 1) >>> 0 })), /data checksum mismatch/],
    ['a wrong entry count', withHeader((h) => Object.assign(h.data, { entries: 4 })), /holds 3 entries, the header says 4/],
    ['data that is not xz', withHeader((h) => Object.assign(h.data, { compressedSize: 11 }), Buffer.from('hello world')), /damaged data: xz failed/],
  ];
  for (const [name, bytes, message] of cases) {
    await t.test(name, () => assertRefused(corpusFile(bytes), ['invalid'], message));
  }
});

test('a declared size over the limit is refused before anything is decompressed', async () => {
  const file = corpusFile(withHeader((h) => Object.assign(h.data, { size: 2 ** 52 })));
  await assertRefused(file, ['too-large'], /data of 4503599627370496 bytes is over the limit of 1073741824/);
  await assertRefused(corpusFile(original), ['too-large'], /over the limit of 50/, { maxBytes: 50 });
});

test('an xz bomb: decompression stops at the size the header announces', async () => {
  const journal = Buffer.concat([encodeJournalHeader(), ...encodeRecord(RecordType.Set, Encoding.Bytes, Buffer.from('zeros'), Buffer.alloc(200 * 1024 * 1024))]);
  const bomb = spawnSync('xz', ['-9', '--stdout'], { input: journal, maxBuffer: 1024 * 1024 }).stdout;
  assert.ok(bomb.length < 100_000, `200 MiB became ${bomb.length} bytes`);
  const lying = corpusFile(withHeader((h) => Object.assign(h.data, { size: 1000, compressedSize: bomb.length }), bomb));
  const started = process.hrtime.bigint();
  await assertRefused(lying, ['invalid'], /decompresses to more than the 1000 bytes the header announces/);
  const honest = corpusFile(withHeader((h) => Object.assign(h.data, { size: journal.length, compressedSize: bomb.length }), bomb));
  await assertRefused(honest, ['too-large'], /over the limit of 10485760/, { maxBytes: 10 * 1024 * 1024 });
  assert.ok(process.hrtime.bigint() - started < 20_000_000_000n, 'stopped early, not after inflating 200 MiB');
});

test('things that are not files: a directory, a FIFO, a symlink, a missing path', async () => {
  const folder = join(dir.path, 'special');
  mkdirSync(folder);
  const directory = join(folder, 'dir.fgsave');
  mkdirSync(directory);
  await assertRefused(directory, ['unreadable'], /not a regular file: a directory/);
  const fifo = join(folder, 'fifo.fgsave');
  spawnSync('mkfifo', [fifo]);
  await assertRefused(fifo, ['unreadable'], /not a regular file: a FIFO/);
  const link = join(folder, 'link.fgsave');
  symlinkSync(corpusFile(original), link);
  await assertRefused(link, ['unreadable'], /is a symbolic link/);
  await assertRefused(join(folder, 'none.fgsave'), ['missing'], /no such file/);
});

test('a file the user may not read: refused, naming it (checked as an unprivileged user when run as root)', async () => {
  const folder = join(dir.path, 'private');
  mkdirSync(folder);
  chmodSync(dir.path, 0o755);
  chmodSync(folder, 0o755);
  const file = join(folder, 'secret.fgsave');
  writeFileSync(file, original);
  chmodSync(file, 0o000);
  const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
  const result = await run(asUser[0], [...asUser.slice(1), CLI, 'inspect', file]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr, `faultguard: ${file}: permission denied\n`);
});

test('the CLI on the corpus: ls lists every file (unreadable ones with their error), inspect fails cleanly', async () => {
  const folder = join(dir.path, 'mixed');
  mkdirSync(folder);
  writeFileSync(join(folder, 'good.fgsave'), original);
  writeFileSync(join(folder, 'cut.fgsave'), original.subarray(0, dataOffset - 3));
  writeFileSync(join(folder, 'foreign.fgsave'), 'not ours');
  writeFileSync(join(folder, 'future.fgsave'), withHeader((h) => Object.assign(h, { format: 7 })));
  writeFileSync(join(folder, 'typed.fgsave'), withHeader((h) => Object.assign(h.exit!, { reason: 5 })));
  const ls = await run(process.execPath, [CLI, 'ls', '--json', folder]);
  assert.equal(ls.code, 0, ls.stderr);
  const listed = JSON.parse(ls.stdout) as Array<{ file: string; state: string; reason: string }>;
  assert.deepEqual(listed.map((l) => [l.file.slice(folder.length + 1), l.state]), [
    ['cut.fgsave', 'unreadable'],
    ['foreign.fgsave', 'unreadable'],
    ['future.fgsave', 'unreadable'],
    ['good.fgsave', 'crashed'],
    ['typed.fgsave', 'unreadable'],
  ]);
  const table = await run(process.execPath, [CLI, 'ls', folder]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /typed\.fgsave\s+unreadable\s.*exit is not an exit record/);
  assert.match(listed[0].reason, /header cut short/);
  assert.match(listed[2].reason, /format 7 is newer/);
  for (const name of ['cut', 'foreign', 'future', 'typed']) {
    const file = join(folder, `${name}.fgsave`);
    const inspect = await run(process.execPath, [CLI, 'inspect', file]);
    assert.equal(inspect.code, 1);
    assert.match(inspect.stderr, new RegExp(`^faultguard: ${file}: \\S`));
    assert.doesNotMatch(inspect.stderr, /\n\s+at /, 'no stack trace: a bad file is not a bug');
  }
  const listing = listAutosaves([folder]);
  assert.equal(listing.listings.length, 5);
});

test('escape sequences in a header never reach the terminal raw', async () => {
  const file = corpusFile(withHeader((h) => Object.assign(h.program, { command: ['\x1b[2J\x1b]0;owned\x07evil', 'x'], cwd: '/\x1b[31mred' })), '\x1b[1mbold.fgsave');
  for (const args of [['ls', file], ['inspect', file]]) {
    const result = await run(process.execPath, [CLI, ...args]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /\x1b/, `${args[0]} prints no raw ESC`);
    assert.match(result.stdout, /\\x1b\[2J\\x1b\]0;owned\\x07evil/);
  }
});
