// faultguard ls / inspect / recover / rm on autosaves of real runs, as a user would use them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Encoding, encodeValue } from '@faultguard/protocol';
import { readAutosave } from '@faultguard/runtime';
import { ALL_VALUES } from './fixtures/all-values';
import { CLI, eventually, fixture, launch, run, temporaryDirectory, type Running } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const folder = join(dir.path, 'saves');
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
let crashed: string;
let live: Running;
let liveFile: string;
let orphaned: string;

const cli = (...args: string[]) => run(process.execPath, [CLI, ...args], { env });

before(async () => {
  mkdirSync(folder);
  // Crashed: a real SIGSEGV after storing every kind of value.
  const result = await run(process.execPath, [CLI, 'run', '--autosave', folder, '--', process.execPath, fixture('values-app'), 'abort'], { env });
  assert.equal(result.signal, 'SIGABRT', result.stderr);
  crashed = join(folder, readdirSync(folder).find((name) => name.endsWith('.fgsave'))!);
  // Orphaned: the guard SIGKILLed while its program ran. The runs that wait are saved every 0.1 s:
  // with the default 10 s the data would land in the autosave only as newFileIn gives up.
  const orphan = launch(process.execPath, [CLI, 'run', '--autosave', folder, '--interval', '0.1', '--', process.execPath, fixture('values-app'), 'wait'], { env });
  await orphan.waitForLine(/ready/);
  orphaned = await newFileIn(folder, [crashed]);
  process.kill(-orphan.pid, 'SIGKILL');
  await orphan.exited;
  // Live.
  // Live for the whole file (after() ends it): not under launch()'s default deadline of 30 s.
  live = launch(process.execPath, [CLI, 'run', '--autosave', folder, '--interval', '0.1', '--', process.execPath, fixture('values-app'), 'wait'], { env, deadlineMs: 15 * 60_000 });
  await live.waitForLine(/ready/);
  liveFile = await newFileIn(folder, [crashed, orphaned]);
});

after(() => {
  try {
    process.kill(-live.pid, 'SIGKILL');
  } catch {
    // gone
  }
});

/** The autosave a new run has written in the folder, once it holds the run's data. */
async function newFileIn(where: string, known: string[]): Promise<string> {
  return eventually(async () => {
    const name = readdirSync(where).find((n) => n.endsWith('.fgsave') && !known.includes(join(where, n)));
    assert.ok(name, 'a new autosave');
    assert.equal((await readAutosave(join(where, name))).data.size, ALL_VALUES.length);
    return join(where, name);
  });
}

test('ls: a table of every run with its state, and the same as JSON', async () => {
  const table = await cli('ls', folder);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^FILE\s+STATE\s+PID\s+HOST\s+COMMAND\s+AGE\s+SIZE\s+KEYS\s+REASON$/);
  assert.equal(lines.length, 4);
  const row = (file: string) => lines.find((line) => line.includes(file.slice(folder.length + 1)))!;
  assert.match(row(crashed), /\scrashed\s+\d+\s+\S+\s+node values-app\.js abort\s+\d+ s\s+[\d.]+ KiB\s+14\s+aborted \(SIGABRT\)$/);
  assert.match(row(orphaned), /\sorphaned\s.*died without recording an end \(no longer exists\)$/);
  assert.match(row(liveFile), /\sactive\s.*guard \d+ is running$/);
  const json = JSON.parse((await cli('ls', '--json', folder)).stdout) as Array<Record<string, any>>;
  const byFile = new Map(json.map((entry) => [entry.file, entry]));
  assert.equal(byFile.get(crashed)?.state, 'crashed');
  assert.equal(byFile.get(crashed)?.exit.signal, 'SIGABRT');
  assert.equal(byFile.get(crashed)?.exit.category, 'process/abort');
  assert.equal(byFile.get(crashed)?.entries, ALL_VALUES.length);
  assert.equal(byFile.get(liveFile)?.guard.pid, live.pid);
  assert.equal(byFile.get(orphaned)?.state, 'orphaned');
});

test('ls: no arguments lists the current folder; a missing path is an error, exit 1', async () => {
  const here = await run(process.execPath, [CLI, 'ls'], { env, cwd: folder });
  assert.equal(here.stdout.split('\n').length - 2, 3);
  const missing = await cli('ls', join(dir.path, 'nowhere'));
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `faultguard: ${join(dir.path, 'nowhere')}: no such file or folder\n`);
});

test('inspect: the run, then its keys with encoding and size', async () => {
  const shown = await cli('inspect', crashed);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^File {5}\S+\.fgsave\nState {4}crashed: aborted \(SIGABRT\)\nCommand  \S+node \S+values-app\.js abort\n/);
  assert.match(shown.stdout, /\n"bytes" +bytes +5 B\n/);
  assert.match(shown.stdout, /\n"pickled" +python-pickle +16 B\n/);
  assert.match(shown.stdout, /\n"ключ 🔑" +json +13 B\n/);
  const json = JSON.parse((await cli('inspect', '--json', crashed)).stdout) as { keys: Array<{ key: string; encoding: string; size: number }>; state: string };
  assert.equal(json.state, 'crashed');
  assert.deepEqual(json.keys.map((k) => k.key), ALL_VALUES.map(([key]) => key));
});

test('inspect KEY: JSON pretty-printed, text as text, bytes as hex, opaque as hex with a note; --raw and --json exact', async () => {
  assert.equal((await cli('inspect', crashed, 'object')).stdout, `${JSON.stringify({ nested: { deeper: ['a', 'b'] }, empty: {} }, null, 2)}\n`);
  assert.equal((await cli('inspect', crashed, 'text bytes')).stdout, 'plain text\nsecond line\n');
  assert.match((await cli('inspect', crashed, 'bytes')).stdout, /^00000000  00 01 02 fe ff {35}\|\.{5}\|\n$/);
  const pickled = await cli('inspect', crashed, 'pickled');
  assert.match(pickled.stdout, /^00000000  80 04 95 05/);
  assert.match(pickled.stderr, /opaque python-pickle value: shown as bytes, never decoded/);
  for (const [key, value] of ALL_VALUES) {
    const raw = spawnSync(process.execPath, [CLI, 'inspect', '--raw', crashed, key], { env });
    assert.ok(raw.stdout.equals(Buffer.from(encodeValue(value).bytes)), `--raw ${key} is byte-exact`);
  }
  const asJson = JSON.parse((await cli('inspect', '--json', crashed, 'bytes')).stdout);
  assert.deepEqual(asJson, { key: 'bytes', encoding: 'bytes', size: 5, base64: 'AAEC/v8=' });
  const missing = await cli('inspect', crashed, 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`^faultguard: ${crashed}: no key "nope" \\(keys: "string", "number"`));
});

test('recover --out: every value byte for byte in its own safe file, with index.json', async () => {
  const out = join(dir.path, 'recovered');
  const result = await cli('recover', crashed, '--out', out);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^recovered 14 values into ${out} \\(index.json lists them\\); the run ended: aborted \\(SIGABRT\\)\\nonce the data is safe: faultguard rm `));
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as Array<{ key: string; file: string; encoding: string }>;
  assert.deepEqual(index.map((entry) => entry.key), ALL_VALUES.map(([key]) => key));
  for (const [key, value] of ALL_VALUES) {
    const entry = index.find((e) => e.key === key)!;
    assert.ok(!entry.file.includes('/') && !entry.file.startsWith('.'), `a safe name for ${JSON.stringify(key)}: ${entry.file}`);
    assert.ok(readFileSync(join(out, entry.file)).equals(Buffer.from(encodeValue(value).bytes)), `${key} recovered byte for byte`);
  }
  assert.equal(index.find((e) => e.key === 'pickled')?.encoding, 'python-pickle');
  assert.equal(encodeValue(ALL_VALUES[0][1]).encoding, Encoding.Json);
  const again = await cli('recover', crashed, '--out', out);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /the output folder is not empty; not writing over anything in it/);
});

test('recover refuses a live run; rm refuses it without --force; bad usage is exit 2', async () => {
  const refused = await cli('recover', liveFile, '--out', join(dir.path, 'never'));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, new RegExp(`^faultguard: ${liveFile}: belongs to a live run \\(guard ${live.pid} is running\\); recover it once that run has ended\\n$`));
  assert.equal(existsSync(join(dir.path, 'never')), false);
  const kept = await cli('rm', liveFile);
  assert.equal(kept.code, 1);
  assert.match(kept.stderr, /belongs to a live run .* not removing it while that run lives \(--force removes it anyway\)/);
  assert.ok(existsSync(liveFile));
  for (const args of [['recover', crashed], ['inspect'], ['rm'], ['ls', '--bogus'], ['inspect', crashed, 'a', 'b'], ['inspect', '--raw', crashed], ['recover', crashed, '--out', 'x', '--max-size', 'lots']]) {
    const usage = await cli(...args);
    assert.equal(usage.code, 2, `${args.join(' ')}: ${usage.stderr}`);
    assert.match(usage.stderr, new RegExp(`Try 'faultguard ${args[0]} --help'`));
  }
});

test('rm: removes finished runs with their previous generation, names what it cannot remove', async () => {
  const copy = join(dir.path, 'copy.fgsave');
  writeFileSync(copy, readFileSync(orphaned));
  const result = await cli('rm', copy, join(dir.path, 'absent.fgsave'));
  assert.equal(result.code, 1);
  assert.equal(result.stdout, 'removed copy.fgsave\n');
  assert.equal(result.stderr, `faultguard: ${join(dir.path, 'absent.fgsave')}: no such file\n`);
  assert.equal(existsSync(copy), false);
});

test('recover --out where nothing can be written: a clear error, nothing made', async () => {
  const aFile = join(dir.path, 'a-file');
  writeFileSync(aFile, 'x');
  const missingParent = join(dir.path, 'no', 'such', 'place');
  for (const [out, message] of [
    [join(aFile, 'sub'), 'it, or a folder above it, is not a folder'],
    [missingParent, 'the folder above it does not exist'],
  ] as const) {
    const result = await cli('recover', crashed, '--out', out);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, `faultguard: ${out}: ${message}\n`);
  }
  assert.equal(existsSync(join(dir.path, 'no')), false, 'no folders were made on the way');
});

test('without xz, reading says so and does not call the file damaged', async () => {
  const result = await run(process.execPath, [CLI, 'inspect', crashed], { env: { ...env, PATH: join(dir.path, 'no-bin') } });
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`^faultguard: ${crashed}: cannot decompress: cannot run xz \\(XZ Utils\\): spawn xz ENOENT\n$`));
});

test('ls follows a folder given as a symbolic link', async () => {
  const link = join(dir.path, 'linked-saves');
  symlinkSync(folder, link);
  const listed = JSON.parse((await cli('ls', '--json', link)).stdout) as Array<{ state: string }>;
  assert.deepEqual(listed.map((entry) => entry.state).sort(), ['active', 'crashed', 'orphaned']);
});

test('help for every command, and --version', async () => {
  for (const command of ['ls', 'inspect', 'recover', 'rm']) {
    const help = await cli(command, '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: faultguard ${command} `));
    assert.equal((await cli('help', command)).stdout, help.stdout);
  }
  assert.match((await cli('--help')).stdout, /ls \[PATH\.\.\.\]\s+list autosaves/);
});

test('progress on a terminal while a large autosave decompresses', async () => {
  const file = join(dir.path, 'large.fgsave');
  const result = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...env, AUTOSAVE: file, LOG_LINES: '2000000' } });
  assert.equal(result.signal, 'SIGKILL');
  // script(1) gives the CLI a pseudo-terminal, as a user at a terminal would have.
  const terminal = await run('script', ['-qfec', `${process.execPath} ${CLI} inspect ${file}`, '/dev/null'], { env });
  assert.equal(terminal.code, 0, terminal.stderr);
  assert.match(terminal.stdout, /faultguard: decompressing large\.fgsave: \d+% \([\d.]+ [KM]iB of 48 MiB\)/);
  const piped = await cli('inspect', file);
  assert.doesNotMatch(piped.stderr, /decompressing/, 'no progress noise in a pipe');
});
