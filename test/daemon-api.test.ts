import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pidInFile, processesMentioning, runs, trackDaemons } from './helpers/daemons';
import { eventually, fixture, run, temporaryDirectory } from './helpers/processes';

const started = trackDaemons(); // killed before their folder is removed
const dir = temporaryDirectory();
after(dir.remove);

test('daemonize(): the script runs again as the daemon; its parent exits 0 once it is ready; SIGTERM stops it and releases the PID file', async () => {
  const pidFile = join(dir.path, 'app.pid');
  const stdout = join(dir.path, 'app.log');
  const parent = await run(process.execPath, [fixture('daemon-app'), pidFile, stdout]);
  assert.equal(parent.code, 0, parent.stderr);
  const pid = pidInFile(pidFile);
  started.add(pid);
  assert.match(parent.stderr, new RegExp(`^faultguard: started as a daemon, PID ${pid} \\(PID file ${pidFile}\\)\\n$`));
  assert.equal(readFileSync(stdout, 'utf8'), `daemon ${pid} in / umask 77\n`, 'its start-up ran before the parent was told');
  assert.ok(runs(pid));
  process.kill(pid, 'SIGTERM');
  await eventually(() => assert.equal(runs(pid), false));
  assert.equal(existsSync(pidFile), false, 'released before it died of SIGTERM');
});

test('daemonize(): an error in the start-up reaches the parent, with its exit code', async () => {
  const pidFile = join(dir.path, 'failing.pid');
  const parent = await run(process.execPath, [fixture('daemon-app'), pidFile, join(dir.path, 'failing.log'), 'fail']);
  assert.equal(parent.code, 3);
  assert.equal(parent.stderr, 'faultguard: cannot listen on port 1: EACCES\n');
  assert.equal(existsSync(pidFile), false);
  assert.deepEqual(processesMentioning(pidFile), []);
});
