// Faultguard runs on Linux only: on another system every entry point must fail at once, with one
// line saying so, and leave nothing behind. Another system is simulated in a real process: a
// preloaded module makes process.platform say "darwin" before the runtime is loaded.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, fixture, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const preload = join(dir.path, 'darwin.js');
writeFileSync(preload, "Object.defineProperty(process, 'platform', { value: 'darwin' });\n");
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
const MESSAGE = 'Faultguard runs on Linux only, not on darwin: it tells a live run from a dead one through /proc, and keeps journals in memory-backed folders';

test('on another system every CLI command fails at once: one line, status 125, nothing created', async () => {
  writeFileSync(join(dir.path, 'x.fgsave'), '');
  for (const args of [['--version'], ['ls', dir.path], ['run', '--autosave', `${dir.path}/saves/`, '--', 'true'], ['rm', '--force', join(dir.path, 'x.fgsave')], ['stop', '--pid-file', join(dir.path, 'app.pid')], ['completion', 'bash']]) {
    const result = await run(process.execPath, ['--require', preload, CLI, ...args], { env });
    assert.equal(result.code, 125, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, `faultguard: ${MESSAGE}\n`, args.join(' '));
    assert.equal(result.stdout, '');
  }
  assert.deepEqual(readdirSync(dir.path).sort(), ['darwin.js', 'x.fgsave']);
});

test('on another system the library refuses at once: starts with a StartError (status 125), the rest with UnsupportedPlatformError', async () => {
  for (const entry of ['start', 'guard', 'listAutosaves', 'isActive', 'PidLockFile']) {
    const result = await run(process.execPath, ['--require', preload, fixture('platform-app'), entry, dir.path], { env });
    assert.equal(result.code, 0, result.stderr);
    const thrown = JSON.parse(result.stdout) as { name: string; message: string; status?: number; cause?: string };
    const starts = entry === 'start' || entry === 'guard';
    assert.deepEqual(thrown, starts ? { name: 'StartError', message: MESSAGE, status: 125, cause: 'UnsupportedPlatformError' } : { name: 'UnsupportedPlatformError', message: MESSAGE }, entry);
  }
  assert.ok(!existsSync(join(dir.path, 'saves')) && !existsSync(join(dir.path, 'journals')) && !existsSync(join(dir.path, 'app.pid')), 'nothing created');
});

test('on another system daemonize() prints the reason and ends the starting process with 125, before any daemon starts', async () => {
  const result = await run(process.execPath, ['--require', preload, fixture('platform-app'), 'daemonize', dir.path], { env });
  assert.equal(result.code, 125);
  assert.equal(result.stderr, `faultguard: ${MESSAGE}\n`);
  assert.equal(result.stdout, '');
  assert.ok(!existsSync(join(dir.path, 'daemon.pid')));
});
