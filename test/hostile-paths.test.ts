// Paths a hostile local user controls: links where a folder or file is expected, FIFOs, folders of
// other users, and a link swapped in while a file is being written. Nothing outside the folder the
// user named is written, nothing is followed, nothing blocks (issue 14, items 1-3).
import assert from 'node:assert/strict';
import { chownSync, closeSync, existsSync, mkdirSync, readdirSync, renameSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readJournal } from '@faultguard/runtime';
import { Directory } from '../runtime/src/files/directory';
import { openKeptJournal } from '../runtime/src/recovery/kept-journal';
import { writeValuesDirectory } from '../runtime/src/recovery/values-directory';
import { CLI, fixture, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env, deadlineMs: 15_000 });
let autosave: string;
let journal: string;

before(async () => {
  autosave = join(dir.path, 'crashed.fgsave');
  const saved = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...env, AUTOSAVE: autosave } });
  assert.equal(saved.signal, 'SIGKILL', saved.stderr);
  const kept = await cli('run', '--', process.execPath, fixture('crash-app'), 'kill');
  journal = /kept in (\S+) /.exec(kept.stderr)![1];
});

/** A folder that belongs to the other user, with what it holds: it must stay exactly so. */
function victimFolder(name: string): string {
  const folder = join(dir.path, name);
  mkdirSync(folder);
  return folder;
}

test('a folder held open is written through its descriptor, even after its path is swapped for a link', () => {
  const victim = victimFolder('race-victim');
  const out = join(dir.path, 'race-out');
  mkdirSync(out);
  const folder = Directory.open(out);
  try {
    renameSync(out, join(dir.path, 'race-moved'));
    symlinkSync(victim, out);
    const fd = folder.createFile('index.json');
    writeSync(fd, 'x');
    closeSync(fd);
  } finally {
    folder.close();
  }
  assert.deepEqual(readdirSync(victim), [], 'nothing reached the folder the link points to');
  assert.deepEqual(readdirSync(join(dir.path, 'race-moved')), ['index.json'], 'the file went into the folder that was opened');
});

test('recover --out a link: refused before anything is read, the folder it points to untouched', async () => {
  const victim = victimFolder('link-victim');
  const link = join(dir.path, 'out-link');
  symlinkSync(victim, link);
  for (const file of [autosave, journal]) {
    const result = await cli('recover', file, '--out', link);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, `faultguard: ${link}: is a symbolic link; not followed (give the folder it points to)\n`);
  }
  assert.deepEqual(readdirSync(victim), []);
});

test('recover --out below a link: the folder above it is not followed either', async () => {
  const victim = victimFolder('parent-victim');
  const link = join(dir.path, 'parent-link');
  symlinkSync(victim, link);
  const result = await cli('recover', autosave, '--out', join(link, 'out'));
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stderr, `faultguard: ${join(link, 'out')}: the folder above it is a symbolic link; not followed (give the folder it points to)\n`);
  assert.deepEqual(readdirSync(victim), []);
});

test("run as root, recover --out another user's empty folder: refused; a new folder or one of root's is used", { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const theirs = victimFolder('theirs');
  chownSync(theirs, 4242, 4242);
  const refused = await cli('recover', autosave, '--out', theirs);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`^faultguard: ${theirs}: belongs to uid 4242, not to root; not writing into another user's folder as root`));
  assert.deepEqual(readdirSync(theirs), []);
  const roots = victimFolder('roots');
  assert.equal((await cli('recover', autosave, '--out', roots)).code, 0);
  assert.ok(existsSync(join(roots, 'index.json')));
});

test('writeValuesDirectory (the recovery service writes through it) refuses a link at the folder', () => {
  const victim = victimFolder('api-victim');
  const link = join(dir.path, 'api-link');
  symlinkSync(victim, link);
  const data = readJournal(journal);
  try {
    assert.throws(() => writeValuesDirectory(data, link), { code: 'ELOOP' });
  } finally {
    data.close();
  }
  assert.deepEqual(readdirSync(victim), []);
});

test("a kept journal's run.json that is a FIFO or a link: read as nothing, never blocking or followed", async () => {
  const runFolder = join(journal, '..');
  const runJson = join(runFolder, 'run.json');
  const secret = join(dir.path, 'secret.json');
  writeFileSync(secret, JSON.stringify({ command: ['the', 'secret', 'contents'] }));
  renameSync(runJson, join(dir.path, 'run.json.saved'));
  try {
    symlinkSync(secret, runJson);
    const linked = await cli('inspect', journal);
    assert.equal(linked.code, 0, linked.stderr);
    assert.doesNotMatch(linked.stdout, /secret/);
    execFileSync('rm', [runJson]);
    execFileSync('mkfifo', [runJson]);
    const fifo = await cli('inspect', journal); // a plain read would wait for a writer for ever
    assert.equal(fifo.code, 0, fifo.stderr);
    assert.match(fifo.stdout, /^File {5}\S+journal \(a run's journal, kept by its guard\)\nData     3 values\n/);
  } finally {
    execFileSync('rm', ['-f', runJson]);
    renameSync(join(dir.path, 'run.json.saved'), runJson);
  }
});

test('a kept journal given through a link is not opened through it', () => {
  const link = join(dir.path, 'journal-link');
  symlinkSync(journal, link);
  assert.equal(openKeptJournal(link), undefined, 'not read as a journal');
  const kept = openKeptJournal(journal);
  assert.equal(kept?.data.size, 3);
  kept?.data.close();
});
