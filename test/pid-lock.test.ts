import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AlreadyLocked, LockError, PidLockFile } from '@faultguard/runtime';
import { linux } from '../runtime/src/process/linux';
import { processStartTime } from '../runtime/src/process/process-identity';
import { pidInFile } from './helpers/daemons';
import { fixture, launch, temporaryDirectory, type Running } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let serial = 0;
const fresh = () => join(dir.path, `${serial++}.pid`);

/** A lock file in our format naming `pid` with the given start time (and this host and boot). */
function lockFileFor(pid: number, startTime: string, extra: { bootId?: string; host?: string } = {}): string {
  return `${pid}\nstart-time=${startTime}\nboot-id=${extra.bootId ?? linux.bootId()}\nhost=${extra.host ?? hostname()}\nnonce=0123456789abcdef\n`;
}

/** A PID that no process has: one of ours that has ended and been reaped. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

/** No temporary or takeover file is left beside the locks. */
function assertNoLeftovers(): void {
  assert.deepEqual(readdirSync(dir.path).filter((name) => /\.(new|break)-/.test(name)), []);
}

async function holder(path: string): Promise<Running> {
  const process_ = launch(process.execPath, [fixture('lock-holder'), path]);
  await process_.waitForLine(/^held \d+$/m);
  return process_;
}

test('the file: the PID alone on line 1, then key=value lines; release() removes it, `using` too', async () => {
  const path = fresh();
  {
    using lock = await new PidLockFile(path).acquire();
    assert.ok(lock.held);
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines[0], String(process.pid));
    assert.deepEqual(lines.slice(1, 5), [`start-time=${processStartTime(process.pid)}`, `boot-id=${linux.bootId()}`, `host=${hostname()}`, `pid-namespace=${readlinkSync('/proc/self/ns/pid')}`]);
    assert.match(lines[5], /^nonce=[0-9a-f]{16}$/);
    assert.equal(lines[6], '');
    assert.ok(lock.isActive());
    assert.equal(lock.holder()?.liveness.state, 'alive');
  }
  assert.throws(() => readFileSync(path), /ENOENT/, 'released at the end of the scope');
  const lock = await new PidLockFile(path).acquire();
  lock.release();
  lock.release(); // twice is harmless
  assert.equal(lock.isActive(), false);
  assertNoLeftovers();
});

test('an absolute path is required, as in pandaemonium', () => {
  assert.throws(() => new PidLockFile('app.pid'), (error) => error instanceof LockError && /"app.pid" is not an absolute path/.test(error.message));
});

test('a lock held by a running process is refused at once, naming it; with a timeout, after waiting', async () => {
  const path = fresh();
  const other = await holder(path);
  try {
    const lock = new PidLockFile(path);
    assert.ok(lock.isActive());
    await assert.rejects(lock.acquire(), (error) => {
      assert.ok(error instanceof AlreadyLocked);
      assert.equal(error.holder.identity.pid, other.pid);
      assert.match(error.message, new RegExp(`is held by process ${other.pid} \\(\\S+ \\S+lock-holder.js \\S+\\), which is running$`));
      return true;
    });
    const started = Date.now();
    await assert.rejects(lock.acquire(0.3), AlreadyLocked);
    assert.ok(Date.now() - started >= 300, 'waited for the timeout');
    assert.equal(pidInFile(path), other.pid, 'the holder keeps its lock');
  } finally {
    other.kill('SIGKILL');
  }
});

test('acquire(timeout) gets the lock once its holder releases it', async () => {
  const path = fresh();
  const other = await holder(path);
  setTimeout(() => other.kill('SIGTERM'), 200);
  const lock = await new PidLockFile(path, { timeout: 10 }).acquire();
  assert.equal(pidInFile(path), process.pid);
  assert.equal((await other.exited).code, 0);
  lock.release();
});

test('a recycled PID does not keep a lock alive: a live PID with another start time is stale, and taken over', async () => {
  const path = fresh();
  writeFileSync(path, lockFileFor(process.pid, '1')); // our own PID, but not our start time
  const lock = new PidLockFile(path);
  assert.equal(lock.isActive(), false);
  assert.match(lock.holder()!.liveness.reason, /its PID now belongs to another process/);
  await lock.acquire();
  assert.equal(readFileSync(path, 'utf8').split('\n')[1], `start-time=${processStartTime(process.pid)}`);
  lock.release();
  assertNoLeftovers();
});

test('stale: a dead PID, or a lock from before the last reboot; never one from another host or PID namespace', async () => {
  for (const content of [lockFileFor(deadPid(), '12345'), lockFileFor(process.pid, processStartTime(process.pid), { bootId: 'another-boot' }), `${deadPid()}\n`]) {
    const path = fresh();
    writeFileSync(path, content);
    assert.equal(new PidLockFile(path).isActive(), false, content);
    (await new PidLockFile(path).acquire()).release();
  }
  const remote = fresh();
  writeFileSync(remote, lockFileFor(deadPid(), '1', { host: 'elsewhere' }));
  assert.equal(new PidLockFile(remote).isActive(), true);
  await assert.rejects(new PidLockFile(remote).acquire(), /is held by process \d+, written on another host \(elsewhere\), so it may still run/);
  const container = fresh();
  writeFileSync(container, lockFileFor(deadPid(), '1').replace('\nnonce=', '\npid-namespace=pid:[1]\nnonce='));
  assert.equal(new PidLockFile(container).isActive(), true, 'a PID from another namespace means nothing here');
  await assert.rejects(new PidLockFile(container).acquire(), /written in another PID namespace \(pid:\[1\], a container\?\)/);
});

test('a plain PID file is judged by its PID; a file that is no PID file is refused, never taken over', async () => {
  const plain = fresh();
  writeFileSync(plain, `${process.pid}\n2026-11-22.12:00:00\n`); // pandaemonium's own format
  await assert.rejects(new PidLockFile(plain).acquire(), AlreadyLocked);
  for (const text of ['', 'garbage\n', '-1\n', '12ab\n']) {
    const path = fresh();
    writeFileSync(path, text);
    await assert.rejects(new PidLockFile(path).acquire(), (error) => error instanceof LockError && !(error instanceof AlreadyLocked) && /is not a PID file/.test(error.message));
    assert.equal(readFileSync(path, 'utf8'), text, 'left as it was');
  }
});

test('seal() records the final PID; sealed for another process, the lock is that process\'s', async () => {
  const path = fresh();
  const lock = await new PidLockFile(path).acquire();
  lock.seal();
  assert.equal(pidInFile(path), process.pid);
  const daemon = launch('sleep', ['30']);
  try {
    lock.seal(daemon.pid);
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(Number(lines[0]), daemon.pid);
    assert.equal(lines[1], `start-time=${processStartTime(daemon.pid)}`);
    assert.equal(lock.held, false);
    lock.release();
    assert.equal(pidInFile(path), daemon.pid, 'release() leaves a lock sealed for another process');
    await assert.rejects(new PidLockFile(path).acquire(), AlreadyLocked);
  } finally {
    daemon.kill('SIGKILL');
    await daemon.exited;
  }
  (await new PidLockFile(path).acquire()).release(); // its holder is gone
  assert.throws(() => lock.seal(), /is not held by this process/);
});

test('release() leaves a lock that is no longer the one this process wrote', async () => {
  const path = fresh();
  const lock = await new PidLockFile(path).acquire();
  rmSync(path); // removed by hand, and taken by another process meanwhile
  const other = await holder(path);
  try {
    lock.release();
    assert.equal(pidInFile(path), other.pid);
  } finally {
    other.kill('SIGKILL');
  }
});

test('a contender that died in the middle of a takeover does not block the lock', async () => {
  const path = fresh();
  const stale = lockFileFor(deadPid(), '1');
  writeFileSync(path, stale);
  // Its takeover file, named as protocol/SPEC.md §9 says, naming a dead process.
  const breaker = `${path}.break-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
  writeFileSync(breaker, lockFileFor(deadPid(), '2'));
  const lock = await new PidLockFile(path).acquire();
  assert.equal(pidInFile(path), process.pid);
  lock.release();
  assertNoLeftovers();
});

test('30 processes racing for absent locks and for stale ones: exactly one wins each lock', async () => {
  const rounds = 12;
  const absent = Array.from({ length: rounds }, () => fresh());
  const stale = Array.from({ length: rounds }, () => fresh());
  for (const path of stale) writeFileSync(path, lockFileFor(process.pid, '1'));
  const paths = stale.flatMap((path, i) => [path, absent[i]]);
  const startAt = Date.now() + 1500;
  const contenders = Array.from({ length: 30 }, () => launch(process.execPath, [fixture('lock-contender'), String(startAt), '40', ...paths]));
  try {
    await Promise.all(contenders.map((contender) => contender.waitForLine(/^done$/m)));
    for (const path of paths) {
      const winners = contenders.filter((contender) => contender.output().includes(`won ${path}\n`));
      assert.equal(winners.length, 1, `${path}: ${winners.length} winners`);
      assert.equal(pidInFile(path), winners[0].pid, 'the file names the winner');
      for (const loser of contenders.filter((contender) => contender !== winners[0])) {
        assert.match(loser.output(), new RegExp(`lost ${path}: ${path} is held by process ${winners[0].pid} `));
      }
    }
    assertNoLeftovers();
  } finally {
    for (const contender of contenders) contender.kill('SIGKILL');
    await Promise.all(contenders.map((contender) => contender.exited));
  }
});
