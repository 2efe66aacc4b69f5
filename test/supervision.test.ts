// Supervision (SPEC §11): restarts with the data the last run left, crash-loop limits, backoff, the
// watchdog, daemons; real programs, real signals.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AutosaveHeader, CrashContext } from '@faultguard/protocol';
import { childrenOf } from '../runtime/src/process/process-info';
import { killDaemon, pidInFile, runs, trackDaemons } from './helpers/daemons';
import { CLI, eventually, fixture, launch, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const daemons = trackDaemons();
let serial = 0;

function journalEnv(): NodeJS.ProcessEnv {
  return { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, `journals-${serial++}`) };
}

/** Every "start …" line a supervised-app printed: one per run. */
function starts(output: string): Array<{ pid: number; restarts: number; after: string; counter: number }> {
  return [...output.matchAll(/^start pid (\d+) restarts (\d+) after (\S+) counter (\d+)$/gm)].map((m) => ({ pid: Number(m[1]), restarts: Number(m[2]), after: m[3], counter: Number(m[4]) }));
}

test('a counter killed at random moments, 20 times over: each restart goes on from at least the last acknowledged value', async () => {
  const app = launch(process.execPath, [CLI, 'run', '-q', '--restart', 'on-failure', '--max-restarts', '100', '--max-same', '100', '--backoff', '0', '--', process.execPath, fixture('supervised-app'), 'counter'], { env: journalEnv(), deadlineMs: 120_000 });
  try {
    for (let kill = 0; kill < 20; kill++) {
      const runsSoFar = await eventually(() => {
        const seen = starts(app.output());
        assert.equal(seen.length, kill + 1, `run ${kill + 1} started`);
        return seen;
      }, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 60));
      // What the program printed was acknowledged: the journal held it before the line was written.
      const acknowledged = Math.max(0, ...app.output().split('\n').filter((line) => /^\d+$/.test(line)).map(Number));
      process.kill(runsSoFar.at(-1)!.pid, 'SIGKILL');
      const next = await eventually(() => starts(app.output())[kill + 1] ?? assert.fail('not restarted yet'), 30_000);
      assert.ok(next.counter >= acknowledged, `restart ${kill + 1}: the counter went on from ${next.counter}, ${acknowledged} was acknowledged`);
      assert.equal(next.restarts, kill + 1);
      assert.equal(next.after, 'process/kill', 'the resumed run is told how the last one ended');
    }
  } finally {
    process.kill(app.pid, 'SIGTERM');
    await app.exited;
  }
});

test('a crash loop stops at the limit: the guard ends like the last run, says why, and the backoff doubled each time', async () => {
  const saves = join(dir.path, 'loop');
  const onCrash = `echo "restarts=$FAULTGUARD_RESTARTS restarting=$FAULTGUARD_RESTARTING" >> ${dir.path}/loop-rescues`;
  const result = await run(process.execPath, [CLI, 'run', '--restart', 'on-failure', '--max-same', '3', '--backoff', '0.05,0.15', '--autosave', `${saves}/`, '--on-crash', onCrash, '--', process.execPath, fixture('supervised-app'), 'segv'], { env: journalEnv() });
  assert.equal(result.signal, 'SIGSEGV', 'the guard ends like the last run');
  assert.equal(starts(result.stdout).length, 4, 'the first run and 3 restarts');
  const delays = [...result.stderr.matchAll(/restarting in ([\d.]+) s \(restart (\d)\)/g)].map((m) => [Number(m[2]), Number(m[1])]);
  assert.deepEqual(delays, [[1, 0.05], [2, 0.1], [3, 0.15]], 'doubled each time, up to the maximum');
  assert.match(result.stderr, /not starting .* again: crash loop: 4 ends of category error\/restricted-memory-access within 1 min \(--max-same 3\)/);
  assert.deepEqual(readFileSync(join(dir.path, 'loop-rescues'), 'utf8').trim().split('\n'), ['restarts=0 restarting=1', 'restarts=1 restarting=1', 'restarts=2 restarting=1', 'restarts=3 restarting=0']);
  const [save] = readdirSync(saves).filter((name) => name.endsWith('.fgsave'));
  const header = JSON.parse((await run(process.execPath, [CLI, 'inspect', '--json', join(saves, save)])).stdout).header as AutosaveHeader;
  assert.equal(header.state, 'exited');
  assert.equal(header.restartPending, undefined, 'the last save says the run is over');
  assert.equal(header.restarts, 3);
  assert.equal(header.ends?.length, 4);
  const listed = JSON.parse((await run(process.execPath, [CLI, 'ls', '--json', saves])).stdout) as Array<{ state: string; reason: string }>;
  assert.deepEqual(listed.map(({ state, reason }) => [state, reason]), [['crashed', 'segmentation fault (SIGSEGV); restarted 3 times']]);
});

for (const how of ['spin', 'block'] as const) {
  test(`a hung program (${how === 'spin' ? 'an endless loop' : 'blocked in a system call'}) is diagnosed, killed, rescued and started again`, async () => {
    const out = join(dir.path, `hung-${how}`);
    const onCrash = `cp "$FAULTGUARD_CONTEXT_FILE" ${out}.json; echo "$FAULTGUARD_EXIT_CATEGORY" > ${out}.category`;
    const result = await run(process.execPath, [CLI, 'run', '-q', '--watchdog', '1.5', '--watchdog-grace', '0.5', '--restart', 'on-failure', '--on-crash', onCrash, '--', process.execPath, fixture('supervised-app'), how, `${out}.fifo`], { env: journalEnv() });
    assert.equal(result.code, 0, `the resumed run ended cleanly: ${result.stderr}`);
    const [first, second] = starts(result.stdout);
    assert.ok(first && second, result.stdout);
    assert.equal(second.after, 'process/hung');
    assert.equal(readFileSync(`${out}.category`, 'utf8').trim(), 'process/hung');
    const context = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as CrashContext;
    assert.equal(context.hang?.watchdogSeconds, 1.5);
    assert.ok((context.hang?.silentSeconds ?? 0) >= 1.5);
    if (how === 'spin') assert.match(context.hang?.trace ?? '', /at spinForever \(\S+supervised-app\.js:\d+:\d+\)/, 'the stack it was stuck in');
    else assert.match(context.hang?.trace ?? '', /blocked outside JavaScript/);
  });
}

test('SIGTERM to the guard never causes a restart, even with --restart always', async () => {
  const app = launch(process.execPath, [CLI, 'run', '-q', '--restart', 'always', '--', process.execPath, fixture('supervised-app'), 'serve'], { env: journalEnv() });
  await app.waitForLine(/^start /m);
  process.kill(app.pid, 'SIGTERM');
  const result = await app.finished;
  assert.equal(result.signal, 'SIGTERM', 'the guard ends like its program, which got the SIGTERM');
  assert.equal(starts(result.stdout).length, 1);
});

test('a daemon with --restart survives kill -9 of its program, and faultguard stop still stops it', async () => {
  const pidFile = join(dir.path, 'daemon.pid');
  const started = await run(process.execPath, [CLI, 'run', '--daemon', '--pid-file', pidFile, '--restart', 'on-failure', '--', process.execPath, fixture('supervised-app'), 'serve'], { env: journalEnv() });
  assert.equal(started.code, 0, started.stderr);
  const guardPid = pidInFile(pidFile);
  daemons.add(guardPid);
  try {
    const first = await eventually(() => childrenOf(guardPid)[0] ?? assert.fail('no program yet'));
    process.kill(first, 'SIGKILL');
    const second = await eventually(() => {
      const child = childrenOf(guardPid).find((pid) => pid !== first && runs(pid));
      return child ?? assert.fail('not restarted yet');
    }, 30_000);
    assert.ok(runs(guardPid), 'the guard lives on');
    const stopped = await run(process.execPath, [CLI, 'stop', '--pid-file', pidFile]);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(!runs(guardPid) && !runs(second), 'guard and program are gone');
  } finally {
    killDaemon(guardPid);
  }
});
