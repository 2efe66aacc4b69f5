// The corrupt corpus: every way an autosave file can be wrong, generated here from a real
// autosave of a really killed run. Each case must give an AutosaveError that names the file,
// through the API and through the CLI, and nothing may crash, hang or return data.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeAutosaveHeader } from '@faultguard/protocol';
import { AutosaveError, listAutosaves, readAutosave, type AutosaveProblem } from '@faultguard/runtime';
import { Corpus, killedRunAutosave, specialFiles, storedStreamDamage, writeCases, type CorpusCase } from './helpers/autosave-corpus';
import { CLI, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let corpus: Corpus;
let original: Buffer;
let serial = 0;

before(async () => {
  original = await killedRunAutosave(dir.path, 'real');
  corpus = new Corpus(original);
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

/** Every case, each in a file of its own in `folder`, refused as it says. */
async function assertAllRefused(folder: string, cases: readonly CorpusCase[], options = {}): Promise<void> {
  const files = writeCases(join(dir.path, folder), cases);
  for (const [i, corpusCase] of cases.entries()) await assertRefused(files[i], corpusCase.problems, corpusCase.message, options);
}

test('the real file reads back (the corpus starts from a good file)', async () => {
  const saved = await readAutosave(corpusFile(original));
  assert.deepEqual(saved.data.toObject(), { text: 'héllo wörld', numbers: [1, 2, 3], binary: Buffer.from([0, 1, 2, 255]) });
});

test('truncated at every byte offset: refused, naming the file', () => assertAllRefused('truncated', corpus.truncations()));

test('every single-bit flip in the head, and one in each byte of the data: refused', () => assertAllRefused('flipped', corpus.flips()));

test('data in two streams, the second stored: read back, and damage anywhere in it refused', async () => {
  const bytes = await killedRunAutosave(dir.path, 'streams', { NOISE_KIB: '256' });
  const saved = await readAutosave(corpusFile(bytes));
  assert.equal((saved.data.get('noise') as Buffer).length, 256 * 1024);
  const dataFile = join(dir.path, 'streams.xz');
  writeFileSync(dataFile, bytes.subarray(decodeAutosaveHeader(bytes).dataOffset));
  const listing = spawnSync('xz', ['--list', '--robot', dataFile]).stdout.toString();
  assert.match(listing, /^totals\t2\t/m, 'two streams: the small values compressed, the random ones stored');
  await assertAllRefused('stored-damage', storedStreamDamage(bytes));
});

test('foreign, future, malformed and hostile files: each refused with its reason', async (t) => {
  for (const corpusCase of corpus.hostile()) {
    await t.test(corpusCase.name, () => assertRefused(corpusFile(corpusCase.bytes), corpusCase.problems, corpusCase.message));
  }
  await assertRefused(corpusFile(corpus.withHeader((h) => Object.assign(h.data, { compressedSize: 11 }), Buffer.from('hello world'))), ['invalid'], /damaged data: xz failed/);
});

test('a declared size over the limit is refused before anything is decompressed', async () => {
  const tooLarge = corpus.declaredTooLarge(1024 ** 3);
  await assertRefused(corpusFile(tooLarge.bytes), tooLarge.problems, tooLarge.message);
  await assertRefused(corpusFile(original), ['too-large'], /over the limit of 50/, { maxBytes: 50 });
});

test('an xz bomb: decompression stops at the size the header announces', async () => {
  const limit = 10 * 1024 * 1024;
  // How far decompression got before it was stopped: never far past the limit (the bombs inflate to 200 MiB).
  let furthest = 0;
  const onProgress = (done: number) => (furthest = Math.max(furthest, done));
  await assertAllRefused('bombs', corpus.xzBombs(limit), { maxBytes: limit, onProgress });
  assert.ok(furthest > 0, 'decompression was watched');
  assert.ok(furthest <= limit + 4 * 1024 * 1024, `stopped early, not after inflating 200 MiB (got to ${furthest} bytes)`);
});

test('things that are not files: a directory, a FIFO, a symlink, a missing path', async () => {
  const folder = join(dir.path, 'special');
  for (const { file, message } of specialFiles(folder, original)) await assertRefused(file, ['unreadable'], message);
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
  writeFileSync(join(folder, 'cut.fgsave'), original.subarray(0, corpus.dataOffset - 3));
  writeFileSync(join(folder, 'foreign.fgsave'), 'not ours');
  writeFileSync(join(folder, 'future.fgsave'), corpus.withHeader((h) => Object.assign(h, { format: 7 })));
  writeFileSync(join(folder, 'typed.fgsave'), corpus.withHeader((h) => Object.assign(h.exit!, { reason: 5 })));
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
  const file = corpusFile(corpus.withHeader((h) => Object.assign(h.program, { command: ['\x1b[2J\x1b]0;owned\x07evil', 'x'], cwd: '/\x1b[31mred' })), '\x1b[1mbold.fgsave');
  for (const args of [['ls', file], ['inspect', file]]) {
    const result = await run(process.execPath, [CLI, ...args]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /\x1b/, `${args[0]} prints no raw ESC`);
    assert.match(result.stdout, /\\x1b\[2J\\x1b\]0;owned\\x07evil/);
  }
});
