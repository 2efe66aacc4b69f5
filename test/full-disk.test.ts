// A full file system, for real: a small tmpfs filled to the last byte. Every command that meets
// it says which folder and what went wrong in one line, and leaves nothing half-made behind
// (issue 14, items 4 and 5).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, fixture, run, temporaryDirectory } from './helpers/processes';
import { mountSmallFileSystem, NO_SMALL_FILE_SYSTEMS, type SmallFileSystem } from './helpers/small-file-system';

const dir = temporaryDirectory();
after(dir.remove);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => run(process.execPath, [CLI, ...args], { env: { ...env, ...extraEnv } });
const skip = NO_SMALL_FILE_SYSTEMS;
let full: SmallFileSystem;

before(() => {
  if (skip) return;
  full = mountSmallFileSystem(256);
  full.fill();
});
after(() => full?.unmount());

test('a full journal folder at start: one line naming the folder and the problem, status 125, nothing left', { skip }, async () => {
  const journals = join(full.path, 'journals');
  const marker = join(dir.path, 'started');
  const result = await cli(['run', '--journal-dir', journals, '--', 'touch', marker]);
  assert.equal(result.code, 125, result.stderr);
  assert.equal(result.stderr, `faultguard: cannot write a run's journal in the journal folder ${journals}: no space left on the device\n`);
  assert.deepEqual(readdirSync(journals), [], 'no half-made run folder');
  assert.equal(existsSync(marker), false, 'the program did not start');
});

test('a full TMPDIR during a shell rescue, when the values do not fit beside the journal: one line, the journal kept', { skip }, async () => {
  // 600 KiB of data in a journal folder of 1 MiB: a second copy would take more than half of what is left.
  const small = mountSmallFileSystem(1024);
  try {
    const marker = join(dir.path, 'rescue-ran');
    const result = await cli(['run', '--journal-dir', join(small.path, 'journals'), '--on-crash', `touch ${marker}`, '--', process.execPath, fixture('crash-app'), 'exit3'], { NOISE_KIB: '600', TMPDIR: full.path });
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, new RegExp(`^faultguard: .+crash-app\\.js exit3 exited with code 3; the rescue of its 4 values failed: cannot write the values for --on-crash into ${full.path}/faultguard-rescue-\\w{6}: no space left on the device\nThe data is kept in (\\S+) \\(faultguard inspect or recover reads it\\)\n$`));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(marker), false, 'the command did not run without its values');
    assert.deepEqual(readdirSync(full.path).filter((name) => name.startsWith('faultguard-rescue-')), [], 'no half-written values folder');
    const journal = /The data is kept in (\S+) /.exec(result.stderr)![1];
    assert.equal((await cli(['inspect', journal])).code, 0, 'the journal is whole');
  } finally {
    small.unmount();
  }
});

test('recover into a full file system: the values that were written are removed again, with the folder made for them', { skip }, async () => {
  const autosave = join(dir.path, 'crashed.fgsave');
  const crashed = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...env, AUTOSAVE: autosave } });
  assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
  const out = join(full.path, 'recovered');
  const made = await cli(['recover', autosave, '--out', out]);
  assert.equal(made.code, 1, made.stderr);
  assert.equal(made.stderr, `faultguard: ${out}: cannot write the values: no space left on the device\n`);
  assert.equal(existsSync(out), false, 'no half-written values folder');
  const given = join(full.path, 'given');
  mkdirSync(given);
  const into = await cli(['recover', autosave, '--out', given]);
  assert.equal(into.code, 1, into.stderr);
  assert.deepEqual(readdirSync(given), [], 'an empty folder given is left empty');
});
