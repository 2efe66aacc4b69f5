// CI installs Debian packages through .ci/apt-get, which waits for the dpkg lock that another
// process (unattended-upgrades, a second install) holds, up to a deadline (issue 14, item 8).
// The lock is the real one, held as apt holds it (fcntl), for a few seconds; `apt-get check`
// takes it and changes nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launch, ROOT, run } from './helpers/processes';

const APT_GET = join(ROOT, '.ci', 'apt-get');
const DPKG_LOCK = '/var/lib/dpkg/lock-frontend';
const skip = process.getuid?.() !== 0 ? 'needs root (the dpkg lock)' : spawnSync('sh', ['-c', 'command -v apt-get && command -v python3']).status !== 0 ? 'needs apt-get and python3' : undefined;

/** Holds the dpkg lock as apt-get does, from its "locked" line for `seconds`. */
async function holdLock(seconds: number) {
  const holder = launch('python3', ['-c', `import fcntl, os, sys, time
fd = os.open(${JSON.stringify(DPKG_LOCK)}, os.O_RDWR | os.O_CREAT, 0o640)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(${seconds})`]);
  await holder.waitForLine(/locked/);
  return holder;
}

test('apt-get waits for a dpkg lock another process holds, then does its work (plain apt-get fails at once)', { skip }, async () => {
  const holder = await holdLock(3);
  const plain = await run('apt-get', ['check']);
  assert.notEqual(plain.code, 0);
  assert.match(plain.stderr, /Could not get lock \/var\/lib\/dpkg\/lock-frontend/);
  const result = await run(APT_GET, ['check'], { env: { ...process.env, FAULTGUARD_APT_LOCK_POLL: '0.5' } });
  assert.equal(result.code, 0, result.stderr);
  await holder.finished;
});

test('apt-get gives up at its deadline, naming the holder', { skip }, async () => {
  const holder = await holdLock(20);
  try {
    const result = await run(APT_GET, ['check'], { env: { ...process.env, FAULTGUARD_APT_LOCK_TIMEOUT: '1', FAULTGUARD_APT_LOCK_POLL: '0.5' } });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`apt-get: gave up waiting for the package manager's lock after 1 s: held by process ${holder.pid} \\(python3\\)\\n$`));
  } finally {
    holder.kill('SIGKILL');
  }
});

test('CI and the editor tests install packages through it, never apt-get alone', () => {
  for (const script of ['.ci/run', 'test/e2e/install.sh']) {
    const calls = readFileSync(join(ROOT, script), 'utf8').split('\n').filter((line) => /^\s*[^#]*\bapt-get (update|install)/.test(line) && !/echo/.test(line));
    assert.deepEqual(calls.filter((line) => !/(\.ci\/apt-get|"\$apt_get") (update|install)/.test(line)), [], script);
  }
});
