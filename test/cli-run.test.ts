import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { readJournal } from '@faultguard/runtime';
import { CLI, fixture, ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let serial = 0;

/** Runs the CLI with a journal folder of its own, returned for inspection. */
async function faultguard(args: string[], options: { journals?: string } = {}) {
  const journals = options.journals ?? join(dir.path, `journals-${serial++}`);
  const result = await run(process.execPath, [CLI, ...args], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: journals } });
  return { ...result, journals };
}

test('--on-crash gets the values as files and the exit in FAULTGUARD_EXIT_*; the data is removed after it succeeds', async () => {
  const report = join(dir.path, 'on-crash-report');
  const onCrash = `{ env | grep '^FAULTGUARD_' | sort; cat "$FAULTGUARD_RESCUE_DIR/index.json"; cp -r "$FAULTGUARD_RESCUE_DIR" ${report}.files; } > ${report}`;
  const result = await faultguard(['run', '--on-crash', onCrash, '--', process.execPath, fixture('crash-app'), 'exit3']);
  assert.equal(result.code, 3);
  const text = readFileSync(report, 'utf8');
  assert.match(text, /^FAULTGUARD_EXIT_CODE=3$/m);
  assert.match(text, /^FAULTGUARD_EXIT_SIGNAL=$/m);
  assert.match(text, /^FAULTGUARD_EXIT_CATEGORY=exit\/failure$/m);
  assert.match(text, /^FAULTGUARD_EXIT_REASON=exited with code 3$/m);
  assert.match(text, /^FAULTGUARD_EXIT_STATUS=3$/m);
  assert.match(text, /^FAULTGUARD_PID=\d+$/m);
  assert.match(text, /^FAULTGUARD_COMMAND=.*crash-app.js exit3$/m);
  assert.doesNotMatch(text, /^FAULTGUARD_JOURNAL=/m, 'the rescue command must not look like a guarded program');
  const files = `${report}.files`;
  assert.deepEqual(readdirSync(files).sort(), ['binary.bin', 'index.json', 'numbers.json', 'text.json']);
  assert.equal(readFileSync(join(files, 'text.json'), 'utf8'), '"héllo wörld"');
  assert.deepEqual([...readFileSync(join(files, 'binary.bin'))], [0, 1, 2, 255]);
  assert.deepEqual(JSON.parse(readFileSync(join(files, 'index.json'), 'utf8'))[2], { key: 'binary', file: 'binary.bin', encoding: 'bytes', size: 4 });
  const variable = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)![1];
  assert.equal(variable('FAULTGUARD_RESCUE_DIR'), join(dirname(variable('FAULTGUARD_RESCUE_JOURNAL')), 'values'), 'the values are beside the journal, in memory');
  assert.deepEqual(readdirSync(result.journals), [], 'nothing is left once the rescue succeeded');
});

test('--no-rescue-dir: the command gets the journal alone, no values folder', async () => {
  const report = join(dir.path, 'journal-only-report');
  const onCrash = `{ echo "dir=\${FAULTGUARD_RESCUE_DIR-unset}"; ls "$(dirname "$FAULTGUARD_RESCUE_JOURNAL")" | grep -c '^values$'; cp "$FAULTGUARD_RESCUE_JOURNAL" ${report}.journal; } > ${report}`;
  const result = await faultguard(['run', '--no-rescue-dir', '--on-crash', onCrash, '--', process.execPath, fixture('crash-app'), 'exit3']);
  assert.equal(result.code, 3, result.stderr);
  assert.equal(readFileSync(report, 'utf8'), 'dir=unset\n0\n', 'no FAULTGUARD_RESCUE_DIR, and no values folder beside the journal');
  assert.deepEqual(readJournal(`${report}.journal`).toObject(), { text: 'héllo wörld', numbers: [1, 2, 3], binary: Buffer.from([0, 1, 2, 255]) });
  const usage = await faultguard(['run', '--no-rescue-dir', '--', 'true']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--no-rescue-dir needs --on-crash/);
});

test('--on-crash runs after an abnormal exit that stored nothing, with an empty index', async () => {
  const report = join(dir.path, 'empty-report');
  const result = await faultguard(['run', '--on-crash', `cat "$FAULTGUARD_RESCUE_DIR/index.json" > ${report}`, '--', 'sh', '-c', 'exit 1']);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(readFileSync(report, 'utf8'), '[]\n');
  assert.deepEqual(readdirSync(result.journals), []);
});

test('a real SIGSEGV of the program: --on-crash sees the signal, the guard dies of it too', async () => {
  const report = join(dir.path, 'segv-report');
  const onCrash = `echo "$FAULTGUARD_EXIT_SIGNAL $FAULTGUARD_EXIT_CATEGORY $FAULTGUARD_EXIT_STATUS" > ${report}`;
  const result = await faultguard(['run', '--on-crash', onCrash, '--', process.execPath, '--stack-size=50000', fixture('crash-app'), 'segv']);
  assert.equal(result.signal, 'SIGSEGV');
  assert.equal(readFileSync(report, 'utf8'), 'SIGSEGV error/restricted-memory-access -11\n');
});

test('a failing --on-crash keeps the data and says where', async () => {
  const result = await faultguard(['run', '--on-crash', 'exit 9', '--', process.execPath, fixture('crash-app'), 'kill']);
  assert.equal(result.signal, 'SIGKILL');
  const kept = /The data is kept in (\S+)/.exec(result.stderr);
  assert.ok(kept, result.stderr);
  assert.match(result.stderr, /--on-crash command exited with code 9/);
  assert.deepEqual(readJournal(kept[1]).get('numbers'), [1, 2, 3]);
});

test('without --on-crash the data is kept and its journal named', async () => {
  const result = await faultguard(['run', '--', process.execPath, fixture('crash-app'), 'abort']);
  assert.equal(result.signal, 'SIGABRT');
  const kept = /aborted \(SIGABRT\); 3 values kept in (\S+) \(to get them back: faultguard recover \1 --out <folder>\)/.exec(result.stderr);
  assert.ok(kept, result.stderr);
  assert.equal(readJournal(kept[1]).get('text'), 'héllo wörld');
});

test('a kept journal is read by inspect and recover, as the guard says', async () => {
  const result = await faultguard(['run', '--', process.execPath, fixture('crash-app'), 'kill']);
  const journal = /kept in (\S+) /.exec(result.stderr)![1];
  const shown = await faultguard(['inspect', journal]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^File {5}\S+journal \(a run's journal, kept by its guard\)\nCommand  \S+node \S+crash-app\.js kill\nProgram  pid \d+, guard pid \d+\n/);
  assert.match(shown.stdout, /\n"binary" +bytes +4 B\n/);
  assert.equal((await faultguard(['inspect', journal, 'text'])).stdout, '"héllo wörld"\n');
  const out = join(result.journals, '..', 'recovered-from-journal');
  const recovered = await faultguard(['recover', journal, '--out', out]);
  assert.equal(recovered.code, 0, recovered.stderr);
  assert.match(recovered.stdout, /^recovered 3 values into .* from the journal of \S+node \S+crash-app\.js kill\n/);
  assert.deepEqual(readdirSync(out).sort(), ['binary.bin', 'index.json', 'numbers.json', 'text.json']);
  assert.deepEqual(readFileSync(join(out, 'binary.bin')), Buffer.from([0, 1, 2, 255]));
});

test('exit codes and signal deaths of plain programs pass through', async () => {
  assert.equal((await faultguard(['run', '--', 'sh', '-c', 'exit 7'])).code, 7);
  assert.equal((await faultguard(['run', '--quiet', 'sh', '-c', 'kill -USR2 $$'])).signal, 'SIGUSR2');
  const ok = await faultguard(['run', '--', 'sh', '-c', 'echo fine']);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, 'fine\n');
  assert.equal(ok.stderr, '');
});

test('options after the command belong to the command', async () => {
  const result = await faultguard(['run', 'sh', '-c', 'echo "$0 $1"', '--quiet', '--help']);
  assert.equal(result.stdout, '--quiet --help\n');
});

test('bad commands and options fail before anything starts, with a clear message and status', async () => {
  const notExecutable = join(dir.path, 'not-executable');
  writeFileSync(notExecutable, '#!/bin/sh\n');
  const cases: Array<[string[], number, RegExp]> = [
    [['run', '--', 'no-such-command-xyz'], 127, /command not found: no-such-command-xyz/],
    [['run', '--', notExecutable], 126, /not-executable is not executable/],
    [['run', '--', ROOT], 126, /is not a file/],
    [['run'], 2, /run needs a command/],
    [['run', '--frobnicate', 'true'], 2, /unknown option --frobnicate/],
    [['run', '--on-crash'], 2, /--on-crash needs a value/],
    [['run', '--on-crash', ' ', 'true'], 2, /--on-crash needs a command/],
    [['run', '--journal-dir', '', 'true'], 2, /option --journal-dir needs a value/],
    [['run', '--autosave=', 'true'], 2, /option --autosave needs a value/],
    [['run', '--quiet=yes', 'true'], 2, /--quiet takes no value/],
    [['launch'], 2, /unknown command 'launch'/],
    [[], 2, /Usage: faultguard <command>/],
  ];
  for (const [args, status, message] of cases) {
    const result = await faultguard(args);
    assert.equal(result.code, status, `faultguard ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /^(faultguard: |Usage)/);
    assert.equal(existsSync(result.journals) && readdirSync(result.journals).length > 0, false, 'no run directory was made');
  }
});

test('an unusable journal folder is refused before the program starts', async () => {
  const file = join(dir.path, 'a-file');
  writeFileSync(file, '');
  const shared = join(dir.path, 'shared');
  mkdirSync(shared, { mode: 0o777 });
  chmodSync(shared, 0o777);
  const marker = join(dir.path, 'started');
  for (const [journals, message] of [
    [file, /cannot create the journal folder .*a-file/],
    [join(file, 'sub'), /cannot create the journal folder .*a-file\/sub/],
    [shared, /journal folder .*shared is writable by others/],
  ] as const) {
    const result = await faultguard(['run', '--', 'touch', marker], { journals });
    assert.equal(result.code, 125, result.stderr);
    assert.match(result.stderr, message);
    assert.equal(existsSync(marker), false, 'the program did not start');
  }
  const viaOption = await faultguard(['run', '--journal-dir', file, '--', 'true']);
  assert.equal(viaOption.code, 125);
});

test('--help documents every option, --version prints the version', async () => {
  const help = await faultguard(['run', '--help']);
  assert.equal(help.code, 0);
  for (const option of ['--on-crash', '--journal-dir', '--quiet', '--help', 'FAULTGUARD_RESCUE_DIR', 'FAULTGUARD_EXIT_SIGNAL']) {
    assert.ok(help.stdout.includes(option), option);
  }
  const top = await faultguard(['--help']);
  assert.match(top.stdout, /run \[options\]/);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal((await faultguard(['--version'])).stdout, `faultguard ${version}\n`);
});

test('--quiet silences reports but never errors', async () => {
  const quietCrash = await faultguard(['run', '--quiet', '--', 'sh', '-c', 'exit 1']);
  assert.equal(quietCrash.stderr, '');
  const failedRescue = await faultguard(['run', '-q', '--on-crash', 'exit 9', '--', 'sh', '-c', 'exit 1']);
  assert.equal(failedRescue.code, 1);
  assert.match(failedRescue.stderr, /the rescue of its 0 values failed: --on-crash command exited with code 9\nThe data is kept in \S+journal \(faultguard inspect or recover reads it\)\n$/);
});

test('a crashed run that stored nothing leaves nothing behind', async () => {
  const result = await faultguard(['run', '--', 'sh', '-c', 'exit 1']);
  assert.match(result.stderr, /exited with code 1; it had stored no data/);
  assert.deepEqual(readdirSync(result.journals), []);
});

test('descriptors the guard was given reach the program, even one pipe on two numbers', async () => {
  const inner = `${process.execPath} ${CLI} run -- sh -c 'echo three >&3; echo four >&4'`;
  const result = await run('sh', ['-c', `${inner} 3>&1 4>&1`]);
  assert.equal(result.stdout, 'three\nfour\n', result.stderr);
});

test('with PATH unset, commands are looked up as execvp does, never in the current folder', async () => {
  const folder = join(dir.path, 'cwd-with-tool');
  mkdirSync(folder);
  writeFileSync(join(folder, 'mytool'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
  const env = { ...process.env };
  delete env.PATH;
  const result = await run(process.execPath, [CLI, 'run', '--', 'mytool'], { cwd: folder, env });
  assert.equal(result.code, 127);
  assert.equal(result.stdout, '');
  assert.equal((await run(process.execPath, [CLI, 'run', '--', 'sh', '-c', 'exit 4'], { cwd: folder, env })).code, 4, 'sh is found in /bin');
});

test('without prlimit the guard cannot forgo its own core dump, so it exits 128+n instead of dying of SIGSEGV', async () => {
  const result = await run(process.execPath, [CLI, 'run', '--quiet', '--', '/bin/sh', '-c', 'kill -SEGV $$'], { env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(result.signal, null);
  assert.equal(result.code, 139);
});
