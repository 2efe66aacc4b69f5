// Supervision (SPEC §11) of Python programs under `faultguard run`: restarts with the data the last
// run left (data.resumed), the watchdog's ping and a hung program's faulthandler trace; and the
// journal's limits (§2.3) as ValueError in both process models. Real programs, real signals.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CrashContext } from '@faultguard/protocol';
import { PYTHON } from './conformance/adapters/python';
import { CLI, eventually, launch, ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory('faultguard-pysupervision-');
after(dir.remove);
const FIXTURES = join(ROOT, 'test', 'fixtures', 'python');
const APP = join(FIXTURES, 'supervised_app.py');
let serial = 0;

function pythonEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: join(ROOT, 'runtime', 'python'), PYTHONDONTWRITEBYTECODE: '1', FAULTGUARD_JOURNAL_DIR: join(dir.path, `journals-${serial++}`) };
}

/** Every "start …" line supervised_app.py printed: one per run. */
function starts(output: string): Array<{ pid: number; restarts: number; after: string; counter: number }> {
  return [...output.matchAll(/^start pid (\d+) restarts (\d+) after (\S+) counter (\d+)$/gm)].map((m) => ({ pid: Number(m[1]), restarts: Number(m[2]), after: m[3], counter: Number(m[4]) }));
}

/** The line of supervised_app.py that carries the comment `# the <name> line`. */
function lineOf(name: string): number {
  const line = readFileSync(APP, 'utf8').split('\n').findIndex((text) => text.includes(`# the ${name} line`));
  assert.ok(line >= 0, `supervised_app.py marks its ${name} line`);
  return line + 1;
}

test('a Python counter killed at random moments, 12 times over: each restart sees data.resumed and goes on from at least the last acknowledged value', async () => {
  const app = launch(process.execPath, [CLI, 'run', '-q', '--restart', 'on-failure', '--max-restarts', '100', '--max-same', '100', '--backoff', '0', '--', PYTHON, APP, 'counter'], { env: pythonEnv(), deadlineMs: 180_000 });
  try {
    for (let kill = 0; kill < 12; kill++) {
      const runsSoFar = await eventually(() => {
        const seen = starts(app.output());
        assert.equal(seen.length, kill + 1, `run ${kill + 1} started`);
        // Counting, not just started: the kill lands in the middle of the stores.
        assert.match(app.output().slice(app.output().lastIndexOf('start pid')), /\n\d+\n/);
        return seen;
      }, 30_000);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      // What the program printed was acknowledged: the journal held it before the line was written.
      const acknowledged = Math.max(0, ...app.output().split('\n').filter((line) => /^\d+$/.test(line)).map(Number));
      process.kill(runsSoFar.at(-1)!.pid, 'SIGKILL');
      const next = await eventually(() => starts(app.output())[kill + 1] ?? assert.fail(`not restarted yet: ${app.output().split('\n').filter((l) => !/^\d+$/.test(l)).join('|')}`), 30_000);
      assert.ok(next.counter >= acknowledged, `restart ${kill + 1}: the counter went on from ${next.counter}, ${acknowledged} was acknowledged`);
      assert.equal(next.restarts, kill + 1, 'data.resumed.restarts counts the restarts');
      assert.equal(next.after, 'process/kill', 'data.resumed says how the last run ended');
    }
    assert.match(app.output(), /^ends 12 last killed \(SIGKILL\); context /m, 'data.resumed.ends holds every end so far');
  } finally {
    process.kill(app.pid, 'SIGTERM');
    await app.exited;
  }
});

for (const [how, what, line] of [['spin', 'an endless loop in Python', 'spin'], ['sleep', 'blocked in time.sleep', 'sleep'], ['block', "blocked in a FIFO's open", 'open']] as const) {
  test(`a hung Python program (${what}) is diagnosed by faulthandler, killed, rescued and started again`, async () => {
    const out = join(dir.path, `hung-${how}`);
    const onCrash = `cp "$FAULTGUARD_CONTEXT_FILE" ${out}.json; echo "$FAULTGUARD_EXIT_CATEGORY" > ${out}.category`;
    // Python starts slower than Node on a loaded machine: 3 s for the first ping, and for the resumed run's end.
    const result = await run(process.execPath, [CLI, 'run', '-q', '--watchdog', '3', '--watchdog-grace', '0.5', '--restart', 'on-failure', '--on-crash', onCrash, '--', PYTHON, APP, how, `${out}.fifo`], { env: pythonEnv(), deadlineMs: 60_000 });
    assert.equal(result.code, 0, `the resumed run ended cleanly: ${result.stderr}`);
    const [first, second] = starts(result.stdout);
    assert.ok(first && second, result.stdout);
    assert.equal(second.after, 'process/hung', 'data.resumed says it hung');
    assert.match(result.stdout, /^ends 1 last hung: no ping for \d+ s \(watchdog 3 s\); killed \(SIGKILL\); context \['format', 'hang'/m, 'and hands on its crash context');
    assert.equal(readFileSync(`${out}.category`, 'utf8').trim(), 'process/hung');
    const context = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as CrashContext;
    assert.equal(context.hang?.watchdogSeconds, 3);
    assert.ok((context.hang?.silentSeconds ?? 0) >= 3);
    // faulthandler's dump, from its C signal handler: it names the line the main thread is stuck on.
    assert.match(context.hang?.trace ?? '', new RegExp(`^Current thread 0x[0-9a-f]+ \\(most recent call first\\):\\n  File "${APP}", line ${lineOf(line)} in `), context.hang?.trace);
  });
}

test('a Python program killed in the middle of a write: the restarted run finds every whole record, and goes on from there', async () => {
  const result = await run(process.execPath, [CLI, 'run', '-q', '--restart', 'on-failure', '--', PYTHON, APP, 'torn'], { env: pythonEnv(), deadlineMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const [, resumed] = starts(result.stdout);
  assert.deepEqual(resumed && [resumed.after, resumed.counter], ['process/kill', 41]);
});

test('a key, a value or a tag beyond the journal\'s limits is a ValueError naming the size, before anything is written, in both process models', async () => {
  const expected = {
    'key of 70,000 bytes': /^faultguard: cannot store key 'k{40}…: the key is 70000 bytes in UTF-8; a key may have at most 65535$/,
    'key of 65,536 bytes in UTF-8': /: the key is 65536 bytes in UTF-8; a key may have at most 65535$/,
    'pickled key over the limit': /^faultguard: cannot store key \('k{39}…: the key is \d+ bytes pickled with its label; a key may have at most 65535$/,
    'value of 4 GiB': /^faultguard: cannot store key 'huge': the value is 4294967296 bytes; with this key a record holds at most 4294967287$/,
    'value of 4 GiB, the key stored before': /^faultguard: cannot store key 'small': the value is 4294967296 bytes; with this key a record holds at most 4294967286$/,
    'opaque value with tag 0': /^faultguard: cannot store key 'tagged': an opaque value cannot be stored with tag 0: it is reserved for Delete and Clear records \(tags 1 to 255\)$/,
  };
  const app = join(FIXTURES, 'limits_app.py');
  for (const [model, command] of [['faultguard run', [process.execPath, CLI, 'run', '-q', '--', PYTHON, app, 'run']], ['start()', [PYTHON, app, 'start']]] as const) {
    const result = await run(command[0], command.slice(1), { env: pythonEnv(), deadlineMs: 60_000 });
    const line = /^result (.*)$/m.exec(result.stdout);
    assert.ok(line, `${model}: ${result.stderr}`);
    const outcome = JSON.parse(line[1]) as Record<string, [string, string, boolean] | string>;
    for (const [name, message] of Object.entries(expected)) {
      const [kind, text, grew] = outcome[name] as [string, string, boolean];
      assert.equal(kind, 'ValueError', `${model}, ${name}: ${text}`);
      assert.match(text, message, `${model}, ${name}`);
      assert.equal(grew, false, `${model}, ${name}: nothing was written`);
    }
    assert.equal(outcome['largest key'], 'the largest key fits', model);
  }
});
