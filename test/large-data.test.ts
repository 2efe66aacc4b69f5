import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, launch } from './helpers/processes';

test('100 MiB of data is rescued intact after SIGKILL', async () => {
  const app = launch(process.execPath, [fixture('big-app')], { deadlineMs: 60_000 });
  const ready = await app.waitForLine(/ready (\d+) (\{.*\})/);
  process.kill(Number(ready[1]), 'SIGKILL');
  const result = await app.finished;
  const rescued = /rescued (\{.*\})/.exec(result.stdout);
  assert.ok(rescued, `no rescue: ${result.stderr}`);
  assert.deepEqual(JSON.parse(rescued[1]), JSON.parse(ready[2]));
  assert.equal(JSON.parse(rescued[1]).count, 100);
  assert.equal(result.signal, 'SIGKILL');
});
