// What the Recovery view shows for real runs, tested without an editor: the extension's pure
// presentation (labels, descriptions, groups, the crash message) and its value URIs.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { URI } from 'vscode-uri';
import type { RunSummary } from '@faultguard/protocol/recovery-service';
import { describeAutosave } from '@faultguard/runtime';
import { ago } from '@faultguard/protocol';
import { commandLabel, crashMessage, crashedCount, groupRuns, isRecoverable, keyDescription, runDescription, runDetails } from '../extension/client/run-presentation';
import { VALUE_SCHEME, valueOf, valueUri } from '../extension/client/value-uri';
import { CLI, fixture, launch, run, temporaryDirectory, type Running } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const folder = join(dir.path, 'saves');
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
let crashed: RunSummary;
let live: RunSummary;
let unreadable: RunSummary;
let running: Running;

/** A run as the service summarizes it: the runtime's listing of the file, with its folder. */
function summaryOf(file: string): RunSummary {
  return { ...describeAutosave(file), folder };
}

before(async () => {
  mkdirSync(folder);
  const result = await run(process.execPath, [CLI, 'run', '--autosave', `${folder}/`, '--', process.execPath, fixture('values-app'), 'abort'], { env });
  assert.equal(result.signal, 'SIGABRT', result.stderr);
  crashed = summaryOf(join(folder, readdirSync(folder).find((name) => name.endsWith('.fgsave'))!));
  running = launch(process.execPath, [CLI, 'run', '--autosave', join(folder, 'live.fgsave'), '--', process.execPath, fixture('values-app'), 'wait'], { env, deadlineMs: 15 * 60_000 }); // the whole file's
  await running.waitForLine(/ready/);
  live = summaryOf(join(folder, 'live.fgsave'));
  writeFileSync(join(folder, 'junk.fgsave'), 'not an autosave \u001b[2J at all');
  unreadable = summaryOf(join(folder, 'junk.fgsave'));
});

after(() => process.kill(-running.pid, 'SIGKILL')); // the guard and its program: one process group

test('a crashed run reads as its command, its signal and its age, in the Crashed group', () => {
  assert.equal(crashed.state, 'crashed');
  // The script, inside the run's working folder, is shown relative to it.
  assert.equal(crashed.header!.program.cwd, process.cwd());
  assert.equal(commandLabel(crashed), `node ${relative(process.cwd(), fixture('values-app'))} abort`);
  const ended = Date.parse(crashed.header!.ended!);
  assert.equal(runDescription(crashed, ended + 125_000), 'SIGABRT · 2 min ago');
  const details = runDetails(crashed).join('\n');
  assert.match(details, new RegExp(`program pid ${crashed.header!.program.pid}, guard pid ${crashed.header!.writer.pid}`));
  assert.match(details, /cwd: \//);
  assert.ok(details.includes(crashed.file));
  assert.match(crashMessage(crashed, 'live'), /^"node .*values-app\.js abort" crashed \(SIGABRT\); \d+ values rescued$/);
  assert.match(crashMessage(crashed, 'startup'), /crashed earlier \(SIGABRT\)/);
});

test('runs are grouped Crashed / Running / Unreadable, and only crashed ones are counted', () => {
  const groups = groupRuns([live, unreadable, crashed]);
  assert.deepEqual([...groups].map(([name, runs]) => [name, runs.map((r) => r.file)]), [
    ['crashed', [crashed.file]],
    ['running', [live.file]],
    ['unreadable', [unreadable.file]],
  ]);
  assert.equal(crashedCount([live, unreadable, crashed]), 1);
  assert.match(runDescription(live, Date.now()), /^running · started (just now|\d+ s ago)$/);
});

test('an empty claim whose guard died before its first save is listed, but neither counted nor offered for recovery', () => {
  const file = join(folder, 'claim.fgsave');
  writeFileSync(file, ''); // what a guard's claim is until its first save
  const old = Date.now() / 1000 - 3600;
  utimesSync(file, old, old); // and no heartbeat for an hour: its guard is gone
  const claim = summaryOf(file);
  assert.deepEqual([claim.state, claim.active, claim.header], ['orphaned', false, undefined]);
  assert.equal(groupRuns([claim]).get('crashed')!.length, 1);
  assert.deepEqual([isRecoverable(claim), isRecoverable(crashed), isRecoverable(live), isRecoverable(unreadable)], [false, true, false, false]);
  assert.equal(crashedCount([claim, crashed]), 1);
  assert.equal(runDescription(claim, Date.now()), 'guard died before its first save');
});

test('an unreadable file shows its error on one line, with no control characters from the file', () => {
  assert.equal(unreadable.state, 'unreadable');
  const description = runDescription(unreadable, Date.now());
  assert.match(description, /magic|not an autosave/i);
  assert.doesNotMatch(description, /[\u0000-\u001f]/);
  assert.equal(commandLabel(unreadable), 'junk.fgsave');
});

test('a hostile command line cannot draw on the view', () => {
  const header = { ...crashed.header!, program: { ...crashed.header!.program, command: ['/bin/evil\u001b[2J', 'a\nb'] } };
  assert.equal(commandLabel({ ...crashed, header }), 'evil [2J a b');
});

test('ages and sizes read as a person would say them', () => {
  assert.equal(ago(0, 3_000), 'just now');
  assert.equal(ago(0, 59_000), '59 s ago');
  assert.equal(ago(0, 3 * 3600_000), '3 h ago');
  assert.equal(ago(0, 86400_000), '1 day ago');
  assert.equal(ago(10_000, 0), 'just now'); // a clock ahead of ours
  assert.equal(keyDescription({ key: 'k', encoding: 'bytes', size: 1536, fileName: 'k.bin' }), 'bytes · 1.5 KiB');
});

test('value URIs carry any key and file there and back, and name the tab after the key', () => {
  for (const key of ['notes', 'a/b\\c', '', 'ünï çødé ✓', '?#%&=']) {
    const uri = valueUri('/some where/run.fgsave', key);
    assert.equal(uri.scheme, VALUE_SCHEME);
    const again = valueOf({ scheme: uri.scheme, query: uri.query });
    assert.deepEqual(again, { file: '/some where/run.fgsave', key, extent: 'page' });
    // Through the string form too: what the editor stores and hands back.
    const parsed = URI.parse(valueUri('/x.fgsave', key, 'whole').toString());
    assert.deepEqual(valueOf(parsed), { file: '/x.fgsave', key, extent: 'whole' });
  }
  assert.equal(valueUri('/f', 'notes').path, '/notes');
  assert.equal(valueUri('/f', 'a/b').path, '/a∕b');
  assert.equal(valueOf({ scheme: 'file', query: '' }), undefined);
  assert.equal(valueOf({ scheme: VALUE_SCHEME, query: '{"file":1}' }), undefined);
});
