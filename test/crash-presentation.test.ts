// Why a run died and how often it was restarted, as the editor words it, tested without an editor
// on real runs: a Node program that really throws under the real CLI, a supervised run that
// crashes until its guard gives up, and one waiting for its restart. The words are `inspect`'s and `ls`'s.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RunSummary } from '@faultguard/protocol/recovery-service';
import { describeAutosave } from '@faultguard/runtime';
import { crashMessage, crashReportText, endKind, groupRuns, isRecoverable, runDescription, runDetails } from '../extension/client/run-presentation';
import { frameLocation, otherFrame } from '../extension/client/stack-frames';
import { CLI, ROOT, eventually, launch, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
const CLIENT = join(ROOT, 'runtime', 'dist', 'index.js');

/** `<folder>/<name>` with `lines` after the client's connect(). */
function program(folder: string, name: string, lines: readonly string[]): string {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, name);
  writeFileSync(file, [`const data = require(${JSON.stringify(CLIENT)}).connect();`, ...lines, ''].join('\n'));
  return file;
}

function onlyAutosave(folder: string): RunSummary {
  const saves = readdirSync(folder).filter((name) => name.endsWith('.fgsave'));
  assert.equal(saves.length, 1, `one autosave in ${folder}: ${saves.join(', ')}`);
  return { ...describeAutosave(join(folder, saves[0])), folder, hasPrevious: false };
}

test('a Node program that threw: the notification says its error, the report has inspect\'s "Why it died" and frames that name its file and line', async () => {
  const folder = join(dir.path, 'threw');
  const script = program(folder, 'crash.js', ["data.set('draft', 'Dear diary');", "data.breadcrumb('about to load');", 'function load(settings) {', '  return settings.load();', '}', 'load({});']);
  const ended = await run(process.execPath, [CLI, 'run', '--autosave', `${folder}/saves/`, '--', 'node', script], { cwd: folder, env });
  assert.equal(ended.code, 1, ended.stderr);
  const summary = onlyAutosave(join(folder, 'saves'));

  assert.equal(crashMessage(summary, 'live'), `"node crash.js" crashed: TypeError: settings.load is not a function; 1 value rescued`);
  assert.equal(crashMessage(summary, 'startup'), `"node crash.js" crashed earlier: TypeError: settings.load is not a function; 1 value rescued`);
  assert.equal(endKind(summary), 'exception');

  const report = crashReportText(summary);
  const inspected = await run(process.execPath, [CLI, 'inspect', summary.file], { env });
  const why = inspected.stdout.slice(inspected.stdout.indexOf('Why it died'), inspected.stdout.indexOf('\n\n', inspected.stdout.indexOf('Why it died')) + 1);
  assert.match(why, /^Why it died\n {2}Error {4}TypeError: settings\.load is not a function \(uncaught exception\)\n {2}Stack {4}at load \(.*crash\.js:5:\d+\)\n/, 'the error, then its stack without its message');
  assert.ok(report.includes(why), `the report holds inspect's words, line for line:\n${report}\n---\n${why}`);
  assert.match(report, /^Ended {6}exited with code 1, /m);
  assert.doesNotMatch(`${report}\n${runDetails(summary).join('\n')}`, /^Ends|last ends|restarted/m, 'a run never restarted has no history of ends (its guard records its one end all the same)');

  const frames = report.split('\n').flatMap((line) => frameLocation(line.slice(11)) ?? []);
  assert.deepEqual(frames[0] && { name: frames[0].name, file: frames[0].file, line: frames[0].line }, { name: 'load', file: script, line: 5 }, 'the innermost frame: the throwing line');
  assert.ok(frames.every((frame) => !frame.file.startsWith('node:')), 'Node\'s own frames name no file');
});

test('a supervised run that crashed until its guard gave up reads as one run with its restarts, in ls\'s words', async () => {
  const folder = join(dir.path, 'flaky');
  const script = program(folder, 'flaky.js', ["const starts = (data.get('starts') ?? 0) + 1;", "data.set('starts', starts);", 'throw new Error(`start ${starts} failed`);']);
  const ended = await run(process.execPath, [CLI, 'run', '--restart', 'on-failure', '--max-restarts', '2', '--backoff', '0.1', '--autosave', `${folder}/saves/`, '--', 'node', script], { cwd: folder, env });
  assert.equal(ended.code, 1, ended.stderr);
  const summary = onlyAutosave(join(folder, 'saves'));

  assert.match(runDescription(summary, Date.now()), /^Error \(exit 1\) · restarted 2 times · /);
  const listed = await run(process.execPath, [CLI, 'ls', '--json', `${folder}/saves`], { env });
  assert.match((JSON.parse(listed.stdout) as { reason: string }[])[0].reason, /; restarted 2 times$/, 'ls says it in the same words');
  const details = runDetails(summary);
  assert.equal(details[1], 'restarted 2 times; the last ends:');
  assert.equal(details.filter((line) => /^ {2}.*: exited with code 1$/.test(line)).length, 3, details.join('\n'));
  assert.match(crashReportText(summary), /^Restarts {3}restarted 2 times\nEnds {7}.*: exited with code 1\n {11}.*: exited with code 1\n {11}.*: exited with code 1\n/m);
  assert.match(crashMessage(summary, 'live'), /crashed: Error: start 3 failed; 1 value rescued$/, 'the last start\'s error');
});

test('a supervised run waiting for its restart is restarting, among the running, not a crashed run to recover', async () => {
  const folder = join(dir.path, 'pending');
  const script = program(folder, 'flaky.js', ["data.set('starts', 1);", "throw new Error('failed');"]);
  const guard = launch(process.execPath, [CLI, 'run', '--restart', 'on-failure', '--backoff', '600,600', '--autosave', `${folder}/saves/`, '--', 'node', script], { cwd: folder, env, deadlineMs: 10 * 60_000 });
  try {
    const summary = await eventually(() => {
      const listed = onlyAutosave(join(folder, 'saves'));
      assert.equal(listed.header?.restartPending, true, 'the save of the end says a restart follows');
      return listed;
    }, 60_000);
    assert.equal(endKind(summary), 'restarting');
    assert.equal(isRecoverable(summary), false);
    assert.deepEqual(groupRuns([summary]).get('running'), [summary]);
    assert.match(runDescription(summary, Date.now()), /^restarting after Error \(exit 1\) · /);
    assert.match(runDetails(summary)[0], /^restarting: .*\(the guard is starting it again\)$/, 'the tooltip in ls\'s words');
  } finally {
    guard.kill('SIGTERM');
    await guard.finished;
  }
});

test('a program its watchdog found hung reads as hung, and the report says for how long', async () => {
  const folder = join(dir.path, 'hung');
  const script = program(folder, 'spin.js', ["data.set('step', 1);", 'data.ping();', 'for (;;);']);
  const ended = await run(process.execPath, [CLI, 'run', '--watchdog', '1', '--autosave', `${folder}/saves/`, '--', 'node', script], { cwd: folder, env });
  assert.equal(ended.signal, 'SIGKILL', ended.stderr);
  const summary = onlyAutosave(join(folder, 'saves'));
  assert.equal(endKind(summary), 'hung');
  assert.match(runDescription(summary, Date.now()), /^hung \(SIGKILL\) · /);
  const report = crashReportText(summary);
  assert.match(report, /^ {2}Hung {5}no ping for [\d.]+ s \(watchdog 1 s\); killed by its guard$/m);
  const stuck = report.split('\n').flatMap((line) => frameLocation(line.slice(11)) ?? []);
  assert.deepEqual(stuck[0] && [stuck[0].file, stuck[0].line], [script, 4], 'the frame it was stuck in: the loop');
});

test('stack frames: V8\'s (named, anonymous, file URLs), Python\'s and faulthandler\'s name a file and line; Node\'s own and messages do not', () => {
  assert.deepEqual(frameLocation('    at load (/app/crash.js:5:19)'), { name: 'load', file: '/app/crash.js', line: 5, column: 19, start: 13, end: 31 });
  assert.deepEqual(frameLocation('at /app/x.js:3:1'), { file: '/app/x.js', line: 3, column: 1, start: 3, end: 16 });
  assert.deepEqual(frameLocation('at async main (file:///app/a%20b.mjs:7:2)'), { name: 'async main', file: '/app/a b.mjs', line: 7, column: 2, start: 15, end: 40 });
  assert.deepEqual(frameLocation('  File "/app/app.py", line 12, in load_settings'), { name: 'load_settings', file: '/app/app.py', line: 12, start: 8, end: 29 });
  assert.deepEqual(frameLocation('  File "/app/app.py", line 4 in <module>'), { name: '<module>', file: '/app/app.py', line: 4, start: 8, end: 28 });
  assert.equal(frameLocation('  File "app.py", line 4, in f', '/work')?.file, '/work/app.py', 'relative to the program\'s folder');
  assert.equal(frameLocation('at Module._compile (node:internal/modules/cjs/loader:1554:14)'), undefined);
  assert.equal(frameLocation('TypeError: x is not a function'), undefined);
  assert.equal(frameLocation('at eval (eval at <anonymous> (/app/x.js:1:1), <anonymous>:1:1)'), undefined);
  assert.deepEqual(otherFrame('    at Module._load (node:internal/modules/cjs/loader:1104:12)'), { name: 'Module._load', place: 'node:internal/modules/cjs/loader:1104:12' }, 'shown as a frame that leads nowhere');
  assert.equal(otherFrame('TypeError: x is not a function'), undefined);
});
