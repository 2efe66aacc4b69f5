import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readJournal } from '@faultguard/runtime';
import { eventually, fixture, isAlive, launch, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);

test('when the guard is killed, the program keeps running and storing, and its data stays recoverable', async () => {
  const journals = join(dir.path, 'journals');
  // The guard is the process we start (start() makes it one); the counter reports on stdout.
  const app = launch(process.execPath, [fixture('counter-app'), '1', '2'], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: journals } });
  const programPid = Number((await app.waitForLine(/pid (\d+)/))[1]);
  await app.waitForLine(/^10$/m);
  app.kill('SIGKILL');
  const guard = await app.exited;
  assert.equal(guard.signal, 'SIGKILL');
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(isAlive(programPid), 'the program survived its guard');
    const [run] = readdirSync(journals);
    const journal = join(journals, run, 'journal');
    // Read what was acknowledged before looking at the journal: every one of those must be in it.
    const acknowledged = lastCount(app.output());
    const first = readJournal(journal).get('counter') as number;
    assert.ok(first >= acknowledged, `the journal holds every acknowledged value (${first} >= ${acknowledged})`);
    await eventually(() => {
      const later = readJournal(journal).get('counter') as number;
      assert.ok(later > first, `the program goes on storing (${first} then ${later})`);
    });
  } finally {
    process.kill(programPid, 'SIGKILL');
  }
});

function lastCount(output: string): number {
  const counts = output.split('\n').filter((line) => /^\d+$/.test(line));
  return Number(counts[counts.length - 1]);
}
