// Generations, liveness and recover(): the autosave as the next launch of a program sees it.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, truncateSync, utimesSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { decodeAutosaveHeader, encodeAutosaveHead, previousGenerationPath, type AutosaveHeader } from '@faultguard/protocol';
import { AutosaveError, isActive, readAutosave, readAutosaveHead, recover, removeAutosave } from '@faultguard/runtime';
import { CLI, eventually, fixture, launch, run, temporaryDirectory, type Running } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let serial = 0;
const fresh = (name: string) => join(dir.path, `${serial++}-${name}`);
const journalEnv = () => ({ ...process.env, FAULTGUARD_JOURNAL_DIR: fresh('journals') });

/**
 * A real run that was really killed after an autosave of its data: the crashed autosave then
 * has two generations, the final save and the periodic save before it.
 */
async function crashedAutosave(): Promise<string> {
  const file = fresh('crashed.fgsave');
  const app = launch(process.execPath, [fixture('crash-app'), 'wait'], { env: { ...journalEnv(), AUTOSAVE: file, AUTOSAVE_INTERVAL: '0.05' } });
  const programPid = Number((await app.waitForLine(/ready (\d+)/))[1]);
  await eventually(async () => assert.equal((await readAutosave(file)).data.size, 3));
  process.kill(programPid, 'SIGKILL');
  assert.equal((await app.exited).signal, 'SIGKILL');
  return file;
}

const ROUNDS = 16;

function stampsAgree(payload: Buffer): boolean {
  return payload.readInt32LE(0) === payload.readInt32LE(payload.length - 4);
}

test('SIGKILL at random moments of many autosave cycles: a whole generation is always there', async (t) => {
  let midSave = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const file = fresh('storm.fgsave');
    // Saves back to back: 2 MiB stamped at both ends changes every 5 ms, the interval is 10 ms.
    const app = launch(process.execPath, [CLI, 'run', '--autosave', file, '--interval', '0.01', '--', process.execPath, fixture('counter-app'), '1', '5', '2048'], { env: journalEnv() });
    await app.waitForLine(/pid \d+/);
    // Both keys: the program sets the payload first, and a save may land between the two.
    await eventually(async () => {
      const { data } = await readAutosave(file);
      assert.ok(data.has('payload') && data.has('counter'), 'a save with data is done');
    });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
    // Odd rounds: the guard alone (its program goes on); even rounds: guard and program at once.
    process.kill(round % 2 ? app.pid : -app.pid, 'SIGKILL');
    await app.exited;
    if (readdirSync(dirname(file)).some((name) => name.startsWith(`${basename(file)}.tmp-`))) midSave++;
    try {
      const saved = await readAutosave(file);
      assert.equal(saved.header.state, 'running');
      assert.ok(stampsAgree(saved.data.get('payload') as Buffer), 'the payload is one stored value, whole');
      assert.equal(typeof saved.data.get('counter'), 'number');
    } finally {
      killGroup(app);
    }
  }
  t.diagnostic(`${midSave} of ${ROUNDS} kills landed in the middle of a save (a temporary file was left)`);
  assert.ok(midSave > 0, 'some kills must land in the middle of a save, or this test tests nothing');
});

function killGroup(app: Running): void {
  try {
    process.kill(-app.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

test('a damaged newest generation: the previous one is read, and the reader says so', async () => {
  const file = await crashedAutosave();
  assert.ok(existsSync(previousGenerationPath(file)), 'the final save kept the first save as the previous generation');
  const newest = await readAutosave(file);
  assert.equal(newest.generation, 'newest');
  truncateSync(file, readFileSync(file).length - 7);
  const fallen = await readAutosave(file);
  assert.equal(fallen.generation, 'previous');
  assert.equal(fallen.file, previousGenerationPath(file));
  assert.match(fallen.fallback ?? '', new RegExp(`^${file}: data is \\d+ bytes, the header says \\d+`));
  assert.deepEqual(fallen.data.toObject(), newest.data.toObject());
  assert.equal(fallen.header.state, 'running', 'the previous generation is the save made while the program ran');
  const inspect = await run(process.execPath, [CLI, 'inspect', file, 'text']);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.equal(inspect.stdout, '"héllo wörld"\n');
  assert.match(inspect.stderr, /warning: read the previous generation .*\.prev\): .*file cut short/);
  const copy = fresh('copy.fgsave');
  writeFileSync(previousGenerationPath(copy), readFileSync(previousGenerationPath(file)));
  assert.equal(isActive(copy).state, 'orphaned', 'with the newest gone, the previous generation is judged');
  const recovered = await recover(() => undefined, copy);
  assert.equal(recovered.generation, 'previous');
  assert.match(recovered.fallback ?? '', /: no such file$/);
  writeFileSync(previousGenerationPath(file), 'garbage');
  await assert.rejects(readAutosave(file), (error: AutosaveError) => {
    assert.match(error.message, new RegExp(`^${file}: data is .*; previous generation: ${file}.prev: not a Faultguard autosave`));
    return true;
  });
});

test('a crash is on disk at once, before a long final save, which readers then wait for', async () => {
  const file = fresh('slow.fgsave');
  const app = launch(process.execPath, [CLI, 'run', '--autosave', file, '--interval', '0.2', '--', process.execPath, fixture('slow-save-app')], { env: journalEnv() });
  try {
    const programPid = Number((await app.waitForLine(/ready (\d+)/))[1]);
    await eventually(async () => assert.equal((await readAutosave(file)).data.size, 24), 60_000);
    process.kill(programPid, 'SIGUSR1');
    const first = await eventually(() => {
      const { header } = readAutosaveHead(file);
      assert.equal(header.state, 'exited');
      return header;
    }, 60_000);
    assert.equal(first.finalSavePending, true, 'the end was recorded before the final data was compressed');
    assert.equal(first.exit?.signal, 'SIGABRT');
    const pending = isActive(file);
    if (readAutosaveHead(file).header.finalSavePending) {
      assert.deepEqual(pending, { active: true, state: 'crashed', reason: 'aborted (SIGABRT) (the guard is still writing the final save)' });
      await assert.rejects(recover(() => undefined, file), (error: AutosaveError) => error.problem === 'live');
    }
    await app.exited;
    const final = await readAutosave(file);
    assert.equal(final.header.finalSavePending, undefined);
    assert.equal(final.data.get('last'), 'final words');
    assert.equal(final.header.ended, first.ended, 'one end, recorded twice');
    assert.deepEqual(isActive(file), { active: false, state: 'crashed', reason: 'aborted (SIGABRT)' });
  } finally {
    killGroup(app);
  }
});

test('isActive: true while the guard lives, false once the run crashed, an error for a missing file', async () => {
  const file = fresh('live.fgsave');
  const app = launch(process.execPath, [CLI, 'run', '--autosave', file, '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  try {
    const programPid = Number((await app.waitForLine(/ready (\d+)/))[1]);
    await eventually(() => assert.ok(readFileSync(file).length > 0));
    assert.deepEqual(isActive(file), { active: true, state: 'active', reason: `guard ${app.pid} is running` });
    process.kill(programPid, 'SIGSEGV');
    await app.exited;
    assert.deepEqual(isActive(file), { active: false, state: 'crashed', reason: 'segmentation fault (SIGSEGV)' });
  } finally {
    killGroup(app);
  }
  assert.throws(() => isActive(fresh('never.fgsave')), (error: AutosaveError) => error.problem === 'missing' && /no such file/.test(error.message));
});

/** The real file's bytes under a header changed by `change`: the data stays valid. */
function rewritten(file: string, change: (header: AutosaveHeader) => void): string {
  const bytes = readFileSync(file);
  const { header, dataOffset } = decodeAutosaveHeader(bytes);
  const changed = structuredClone(header) as AutosaveHeader;
  change(changed);
  const target = fresh('rewritten.fgsave');
  writeFileSync(target, Buffer.concat([encodeAutosaveHead(changed), bytes.subarray(dataOffset)]));
  return target;
}

test('isActive: a reused PID is not alive; on another host the heartbeat decides', async () => {
  const file = await crashedAutosave();
  const running = { state: 'running', exit: null, ended: null } as const;
  // This very process stands for "a process that now has the dead guard's PID".
  const reused = rewritten(file, (h) => Object.assign(h, running, { writer: { ...h.writer, pid: process.pid, startTime: '1' } }));
  const verdict = isActive(reused);
  assert.equal(verdict.active, false);
  assert.equal(verdict.state, 'orphaned');
  assert.match(verdict.reason, new RegExp(`guard ${process.pid} died without recording an end \\(exited; its PID now belongs to another process\\)`));
  const elsewhere = rewritten(file, (h) => Object.assign(h, running, { writer: { ...h.writer, host: `not-${hostname()}` } }));
  assert.equal(isActive(elsewhere).active, true, 'a fresh heartbeat from another host: alive');
  assert.match(isActive(elsewhere).reason, /running on not-.*: heartbeat \d+ s ago/);
  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(elsewhere, minuteAgo, minuteAgo);
  assert.deepEqual(isActive(elsewhere), { active: false, state: 'orphaned', reason: `on not-${hostname()}, no heartbeat for 1 min (more than 10 s)` });
  assert.equal(isActive(elsewhere, { staleAfterSeconds: 120 }).active, true, 'the threshold is the caller\'s to set');
  for (const [extra, state] of [[[], 'orphaned'], [['--stale-after', '120'], 'active']] as const) {
    const listed = await run(process.execPath, [CLI, 'ls', '--json', ...extra, elsewhere]);
    assert.equal((JSON.parse(listed.stdout) as Array<{ state: string }>)[0].state, state, `ls ${extra.join(' ')}`);
  }
  const hourAhead = new Date(Date.now() + 3_600_000);
  utimesSync(elsewhere, hourAhead, hourAhead);
  assert.deepEqual(isActive(elsewhere), { active: true, state: 'active', reason: `on not-${hostname()}: heartbeat 1 h in the future (the clocks differ; cannot tell)` });
  const container = rewritten(file, (h) => Object.assign(h, running, { writer: { ...h.writer, pid: process.pid, pidNamespace: 'pid:[1]' } }));
  assert.deepEqual(isActive(container), { active: true, state: 'active', reason: 'running in another PID namespace (pid:[1], a container?): heartbeat 0 s ago' });
  const beforeReboot = rewritten(file, (h) => Object.assign(h, running, { writer: { ...h.writer, bootId: 'another-boot' } }));
  assert.match(isActive(beforeReboot).reason, /written before the last reboot/);
});

test('isActive on an empty claim: a starting run while fresh, a dead one when old', () => {
  const claim = fresh('claim.fgsave');
  writeFileSync(claim, '');
  assert.equal(isActive(claim).active, true);
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(claim, old, old);
  assert.deepEqual(isActive(claim), { active: false, reason: 'claimed 1 h ago and never saved: its guard died before the first save' });
});

test('recover(): hands the data and the exit to the rescue; refuses a live run', async () => {
  const file = await crashedAutosave();
  let received: unknown;
  const autosave = await recover((data, exit) => (received = { values: data.toObject(), signal: exit?.signal }), file);
  assert.deepEqual(received, { values: { text: 'héllo wörld', numbers: [1, 2, 3], binary: Buffer.from([0, 1, 2, 255]) }, signal: 'SIGKILL' });
  assert.equal(autosave.generation, 'newest');
  assert.ok(existsSync(file), 'the file stays until the caller removes it');
  const live = fresh('busy.fgsave');
  const app = launch(process.execPath, [CLI, 'run', '--autosave', live, '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  try {
    await app.waitForLine(/ready/);
    await eventually(() => assert.ok(readFileSync(live).length > 0));
    let called = false;
    await assert.rejects(recover(() => (called = true), live), (error: AutosaveError) => error.problem === 'live' && error.message.startsWith(`${live}: belongs to a live run (guard ${app.pid} is running)`));
    assert.equal(called, false);
  } finally {
    killGroup(app);
  }
});

test('removeAutosave(): both generations and the leftovers of a killed save go; a live run stays without force', async () => {
  const file = await crashedAutosave();
  const leftover = `${file}.tmp-0123456789ab`;
  writeFileSync(leftover, 'half a save');
  const unrelated = [`${file}.tmp-notours`, `${file}.tmp-x.tmp-0123456789ab`, `${file}.tmp-0123456789AB`];
  for (const name of unrelated) writeFileSync(name, 'somebody else\'s');
  assert.deepEqual(removeAutosave(file).sort(), [file, previousGenerationPath(file), leftover].sort());
  assert.ok(unrelated.every((name) => existsSync(name)), 'only names a guard gives its temporary files');
  const folder = fresh('live');
  mkdirSync(folder);
  const app = launch(process.execPath, [CLI, 'run', '--autosave', folder, '--interval', '0.1', '--', process.execPath, fixture('crash-app'), 'wait'], { env: journalEnv() });
  try {
    await app.waitForLine(/ready/);
    const live = join(folder, readdirSync(folder).find((name) => name.endsWith('.fgsave'))!);
    await eventually(async () => assert.equal((await readAutosave(live)).data.size, 3));
    assert.throws(() => removeAutosave(live), (error: AutosaveError) => error.problem === 'live');
    assert.ok(existsSync(live));
    assert.ok(removeAutosave(live, { force: true }).includes(live));
    await new Promise((resolve) => setTimeout(resolve, 600)); // six save intervals
    assert.deepEqual(readdirSync(folder).filter((name) => !name.includes('.tmp-')), [], 'the guard gave the path up: no save puts anything back');
  } finally {
    killGroup(app);
  }
});

test('a previous generation left from an earlier run blocks a new claim of the same file', async () => {
  const file = fresh('fixed.fgsave');
  writeFileSync(previousGenerationPath(file), 'an older run\'s data');
  const result = await run(process.execPath, [CLI, 'run', '--autosave', file, '--', 'true'], { env: journalEnv() });
  assert.equal(result.code, 125);
  assert.match(result.stderr, /\.prev is left from an earlier run of this file and was not recovered; not overwriting it/);
  assert.equal(existsSync(file), false, 'the claim was taken back');
  assert.equal(readFileSync(previousGenerationPath(file), 'utf8'), 'an older run\'s data');
});
