import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readAutosave } from '@faultguard/runtime';
import { CLI, fixture, launch, run, temporaryDirectory } from './helpers/processes';

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
});

test('--autosave <folder> writes one file per run; without a rescue handler the guard says where the data is', async () => {
  const folder = fresh('saves');
  mkdirSync(folder);
  for (const how of ['kill', 'exit3']) {
    const result = await run(process.execPath, [CLI, 'run', '--autosave', folder, '--', process.execPath, fixture('crash-app'), how], { env: journalEnv() });
    assert.match(result.stderr, new RegExp(`3 values saved in ${folder}/\\d{8}T\\d{9}Z-\\d+\\.fgsave`));
  }
  const files = readdirSync(folder).sort();
  assert.equal(files.length, 2);
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
    await app.waitForLine(/^8$/m);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const live = await readAutosave(file);
    assert.equal(live.header.state, 'running');
    const early = live.data.get('counter') as number;
    assert.ok(early >= 8, `autosave holds a recent counter (${early})`);
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
  await new Promise((resolve) => setTimeout(resolve, 200));
  const crashed = fresh('crashed.fgsave');
  await run(process.execPath, [CLI, 'run', '--autosave', crashed, '--', process.execPath, fixture('crash-app'), 'kill'], { env: journalEnv() });
  const foreign = fresh('foreign.fgsave');
  writeFileSync(foreign, 'my thesis, chapter 1');
  try {
    for (const [file, message] of [
      [live, /belongs to a live run \(guard \d+, .*crash-app.js wait\)/],
      [crashed, /holds the data of an earlier run of .*crash-app.js kill \(killed \(SIGKILL\)\) that was not recovered/],
      [foreign, /exists and is not a readable autosave \(not a Faultguard autosave: wrong magic bytes\)/],
    ] as const) {
      const before = readFileSync(file);
      const marker = fresh('started');
      const result = await run(process.execPath, [CLI, 'run', '--autosave', file, '--', 'touch', marker], { env: journalEnv() });
      assert.equal(result.code, 125, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /not overwriting it/);
      assert.ok(readFileSync(file).equals(before), 'the file is untouched');
      assert.equal(existsSync(marker), false, 'the program did not start');
    }
  } finally {
    holder.kill('SIGTERM');
    await holder.finished;
  }
});

test('bad autosave places and options are refused before the program starts', async () => {
  const locked = fresh('locked');
  mkdirSync(locked);
  chmodSync(locked, 0o500);
  const cases: Array<[string[], number, RegExp]> = [
    [['--autosave', join(fresh('missing'), 'a.fgsave')], 125, /autosave folder .*missing does not exist/],
    [['--interval', '5'], 2, /--interval needs --autosave/],
    [['--autosave', fresh('x'), '--interval', '0'], 2, /--interval needs a number of at least 0.001, not "0"/],
    [['--autosave', fresh('x'), '--interval', 'soon'], 2, /--interval needs a number/],
  ];
  if (process.getuid?.() !== 0) cases.push([['--autosave', join(locked, 'a.fgsave')], 125, /autosave folder .*locked is not writable/]);
  for (const [options, status, message] of cases) {
    const result = await run(process.execPath, [CLI, 'run', ...options, '--', 'true'], { env: journalEnv() });
    assert.equal(result.code, status, result.stderr);
    assert.match(result.stderr, message);
  }
});
