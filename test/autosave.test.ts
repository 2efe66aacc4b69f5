import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, openSync, renameSync, unlinkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readAutosave } from '@faultguard/runtime';
import { CLI, eventually, fixture, launch, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let serial = 0;
const fresh = (name: string) => join(dir.path, `${serial++}-${name}`);
const journalEnv = () => ({ ...process.env, FAULTGUARD_JOURNAL_DIR: fresh('journals') });

const STORED = { text: 'héllo wörld', numbers: [1, 2, 3], binary: Buffer.from([0, 1, 2, 255]) };

test('start({ autosavePath }): a crash leaves an autosave with the data and how the run ended', async () => {
  const file = fresh('app.fgsave');
  const result = await run(process.execPath, [fixture('crash-app'), 'abort'], { env: { ...journalEnv(), AUTOSAVE: file } });
  assert.equal(result.signal, 'SIGABRT');
  const saved = await readAutosave(file);
  assert.deepEqual(saved.data.toObject(), STORED);
  assert.equal(saved.header.state, 'exited');
  assert.equal(saved.header.exit?.signal, 'SIGABRT');
  assert.equal(saved.header.exit?.category, 'process/abort');
  assert.deepEqual(saved.header.program.command.slice(-1), ['abort']);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir.path).filter((name) => name.includes('.tmp-')), [], 'no temporary file is left');
});

test('a clean exit removes the autosave', async () => {
  const file = fresh('clean.fgsave');
  const result = await run(process.execPath, [fixture('crash-app'), 'ok'], { env: { ...journalEnv(), AUTOSAVE: file } });
  assert.equal(result.code, 0);
  assert.equal(existsSync(file), false);
  assert.equal(existsSync(`${file}.prev`), false, 'nor its previous generation');
});

test('--autosave <folder> writes one file per run; without a rescue handler the guard says where the data is', async () => {
  const folder = fresh('saves');
  mkdirSync(folder);
  for (const how of ['kill', 'exit3']) {
    const result = await run(process.execPath, [CLI, 'run', '--autosave', folder, '--', process.execPath, fixture('crash-app'), how], { env: journalEnv() });
    assert.match(result.stderr, new RegExp(`3 values saved in ${folder}/\\d{8}T\\d{9}Z-\\d+\\.fgsave`));
  }
  const files = readdirSync(folder).filter((name) => name.endsWith('.fgsave')).sort();
  assert.equal(files.length, 2);
  assert.deepEqual(readdirSync(folder).filter((name) => !files.includes(name)).sort(), files.map((name) => `${name}.prev`), 'each with its previous generation');
  const [first, second] = await Promise.all(files.map((name) => readAutosave(join(folder, name))));
  assert.equal(first.header.exit?.signal, 'SIGKILL');
  assert.equal(second.header.exit?.code, 3);
  assert.deepEqual(second.data.toObject(), STORED);
});

test('saves again while the program runs, only when its data changed, and survives the guard being killed', async () => {
  const file = fresh('live.fgsave');
  const app = launch(process.execPath, [CLI, 'run', '--autosave', file, '--interval', '0.1', '--', process.execPath, fixture('counter-app'), '1', '25'], { env: journalEnv() });
  const programPid = Number((await app.waitForLine(/pid (\d+)/))[1]);
  try {
    const live = await eventually(async () => {
      const saved = await readAutosave(file);
      assert.ok((saved.data.get('counter') as number) >= 8, 'the autosave follows the program');
      return saved;
    });
    assert.equal(live.header.state, 'running');
    const early = live.data.get('counter') as number;
    app.kill('SIGKILL'); // the guard
    await app.exited;
    const orphan = await readAutosave(file);
    assert.equal(orphan.header.state, 'running', 'a dead guard leaves its last autosave in place');
    assert.ok((orphan.data.get('counter') as number) >= early);
  } finally {
    process.kill(programPid, 'SIGKILL');
  }
});

test('an existing autosave is never overwritten: live, crashed or foreign, the new run is refused', async () => {
  const live = fresh('busy.fgsave');
  const holder = launch(process.execPath, [CLI, 'run', '--autosave', live, '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  await holder.waitForLine(/ready/);
  await eventually(() => readAutosave(live)); // its first save is on disk
  const crashed = fresh('crashed.fgsave');
  await run(process.execPath, [CLI, 'run', '--autosave', crashed, '--', process.execPath, fixture('crash-app'), 'kill'], { env: journalEnv() });
  const foreign = fresh('foreign.fgsave');
  writeFileSync(foreign, 'my thesis, chapter 1');
  const fifo = fresh('fifo.fgsave');
  await run('mkfifo', [fifo]);
  try {
    for (const [file, message] of [
      [live, /belongs to a live run of .*crash-app.js wait \(guard \d+ is running\)/],
      [crashed, /holds the data of an earlier run of .*crash-app.js kill \(killed \(SIGKILL\)\) that was not recovered/],
      [foreign, /exists and is not a readable autosave \(not a Faultguard autosave: wrong magic bytes\)/],
      [fifo, /exists and cannot be read \(not a regular file: a FIFO\)/],
    ] as const) {
      const before = file === fifo ? Buffer.alloc(0) : readFileSync(file);
      const marker = fresh('started');
      const result = await run(process.execPath, [CLI, 'run', '--autosave', file, '--', 'touch', marker], { env: journalEnv() });
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /not overwriting it/);
      if (file !== fifo) assert.ok(readFileSync(file).equals(before), 'the file is untouched');
      assert.equal(existsSync(marker), false, 'the program did not start');
    }
  } finally {
    holder.kill('SIGTERM');
    await holder.finished;
  }
});

test("a folder path ending in '/' that does not exist yet is created, private", async () => {
  const folder = join(fresh('new'), 'deeper');
  const result = await run(process.execPath, [CLI, 'run', '--autosave', `${folder}/`, '--', process.execPath, fixture('crash-app'), 'kill'], { env: journalEnv() });
  assert.match(result.stderr, /3 values saved in /);
  assert.equal(statSync(folder).mode & 0o777, 0o700);
  assert.equal(readdirSync(folder).filter((name) => name.endsWith('.fgsave')).length, 1);
});

test('bad autosave places and options are refused before the program starts', async () => {
  const locked = fresh('locked');
  mkdirSync(locked);
  chmodSync(locked, 0o500);
  const cases: Array<[string[], number, RegExp]> = [
    [['--autosave', join(fresh('missing'), 'a.fgsave')], 125, /autosave folder .*missing does not exist/],
    [['--interval', '5'], 2, /--interval needs --autosave/],
    [['--autosave', fresh('x'), '--interval', '0'], 2, /--interval needs a number from 0.001 to 2147483, not "0"/],
    [['--autosave', fresh('x'), '--interval', '3000000'], 2, /--interval needs a number from 0.001 to 2147483/],
    [['--autosave', fresh('x'), '--interval', 'soon'], 2, /--interval needs a number/],
  ];
  // Permissions stop everyone but root; /sys stops root too, wherever it is mounted read-only.
  if (process.getuid?.() !== 0) cases.push([['--autosave', join(locked, 'a.fgsave')], 125, /autosave folder .*locked is not writable/]);
  if (isUnwritable('/sys')) cases.push([['--autosave', '/sys/'], 125, /autosave folder \/sys is not writable/]);
  for (const [options, status, message] of cases) {
    const result = await run(process.execPath, [CLI, 'run', ...options, '--', 'true'], { env: journalEnv() });
    assert.equal(result.code, status, result.stderr);
    assert.match(result.stderr, message);
  }
});

test('the autosave is really xz-compressed', async () => {
  const file = fresh('big.fgsave');
  await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...journalEnv(), AUTOSAVE: file, LOG_LINES: '100000' } });
  const saved = await readAutosave(file);
  assert.equal((saved.data.get('log') as string).length, 2_400_000);
  assert.ok(saved.header.data.size > 2_400_000);
  assert.ok(saved.header.data.compressedSize < saved.header.data.size / 50, `compressed to ${saved.header.data.compressedSize} of ${saved.header.data.size} bytes`);
  assert.ok(statSync(file).size < saved.header.data.size / 50);
});

test('two runs started at once on one autosave file: one gets it, the other is refused', async () => {
  const file = fresh('contested.fgsave');
  const start = () => launch(process.execPath, [CLI, 'run', '--autosave', file, '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  const runs = [start(), start()];
  const firstEnded = await Promise.race(runs.map((r, i) => r.exited.then((e) => ({ ...e, i }))));
  assert.equal(firstEnded.code, 125, 'the loser is refused before its program starts');
  const winner = runs[1 - firstEnded.i];
  await winner.waitForLine(/ready/);
  assert.match((await runs[firstEnded.i].finished).stderr, /not overwriting it/);
  winner.kill('SIGTERM');
  await winner.finished;
  const saved = await readAutosave(file);
  assert.equal(saved.header.exit?.signal, 'SIGTERM', "the winner's autosave is intact and final");
});

function isUnwritable(folder: string): boolean {
  try {
    const probe = join(folder, `faultguard-probe-${process.pid}`);
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
    return false;
  } catch {
    return existsSync(folder);
  }
}

test('an idle program is not saved again, but the heartbeat goes on', async () => {
  const file = fresh('idle.fgsave');
  const app = launch(process.execPath, [CLI, 'run', '--autosave', file, '--interval', '0.1', '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  try {
    await app.waitForLine(/ready/);
    const first = await eventually(async () => {
      const saved = await readAutosave(file);
      assert.equal(saved.data.size, 3);
      return saved;
    });
    const beat = statSync(file).mtimeMs;
    await new Promise((resolve) => setTimeout(resolve, 2200));
    assert.equal((await readAutosave(file)).header.saved, first.header.saved, 'no new save without new data');
    assert.ok(statSync(file).mtimeMs >= beat + 1000, 'the modification time moves on every second');
  } finally {
    app.kill('SIGTERM');
    await app.finished;
  }
});

test('a crashed run that stored nothing leaves no autosave behind', async () => {
  const file = fresh('nothing.fgsave');
  const result = await run(process.execPath, [CLI, 'run', '--autosave', file, '--', 'sh', '-c', 'exit 1'], { env: journalEnv() });
  assert.match(result.stderr, /it had stored no data/);
  assert.equal(existsSync(file), false);
});

test('an autosave file replaced behind the guard is neither written over nor removed', async () => {
  const file = fresh('replaced.fgsave');
  const app = launch(process.execPath, [CLI, 'run', '--autosave', file, '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  await app.waitForLine(/ready/);
  await eventually(() => readAutosave(file));
  const replacement = `${file}.mine`;
  writeFileSync(replacement, 'somebody else put this here');
  renameSync(replacement, file);
  app.kill('SIGTERM'); // the program dies of it: the guard wants to write its final save
  const result = await app.finished;
  assert.equal(readFileSync(file, 'utf8'), 'somebody else put this here');
  assert.match(result.stderr, /no longer the one this run created/);
  assert.match(result.stderr, /kept in \S+journal/, 'the data is still kept, in the journal');
});
