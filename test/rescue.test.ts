import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SEGV_NODE_OPTIONS } from './fixtures/crash';
import { fixture, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const journals = join(dir.path, 'journals');

const STORED = { text: 'héllo wörld', numbers: [1, 2, 3], binary: { type: 'Buffer', data: [0, 1, 2, 255] } };

async function crashApp(how: string, nodeOptions: string[] = []) {
  const result = await run(process.execPath, [...nodeOptions, fixture('crash-app'), how], {
    env: { ...process.env, FAULTGUARD_JOURNAL_DIR: journals },
  });
  const rescueLine = result.stdout.split('\n').find((line) => line.startsWith('{'));
  return { ...result, rescue: rescueLine === undefined ? undefined : JSON.parse(rescueLine) };
}

const cases = [
  { how: 'kill', signal: 'SIGKILL', category: 'process/kill', status: -9 },
  { how: 'segv', signal: 'SIGSEGV', category: 'error/restricted-memory-access', status: -11, nodeOptions: SEGV_NODE_OPTIONS },
  { how: 'abort', signal: 'SIGABRT', category: 'process/abort', status: -6 },
  // Out of memory for real: a small heap, which V8 ends with abort(). The guard runs with the same
  // Node options (start() passes them on) but stays far below the limit.
  { how: 'oom', signal: 'SIGABRT', category: 'process/abort', status: -6, nodeOptions: ['--max-old-space-size=24'] },
  { how: 'throw', code: 1, category: 'exit/failure', status: 1 },
  { how: 'exit3', code: 3, category: 'exit/failure', status: 3 },
];

for (const c of cases) {
  test(`rescues the data after ${c.signal ?? `exit code ${c.code}`} (${c.how}), and the guard ends the same way`, async () => {
    const result = await crashApp(c.how, c.nodeOptions);
    assert.ok(result.rescue, `rescue was not called; stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.deepEqual(result.rescue.rescued, STORED);
    assert.equal(result.rescue.exit.signal, c.signal ?? null);
    assert.equal(result.rescue.exit.code, c.code ?? null);
    assert.equal(result.rescue.exit.category, c.category);
    assert.equal(result.rescue.exit.status, c.status);
    assert.match(result.rescue.exit.reason, c.signal ? new RegExp(c.signal) : new RegExp(`code ${c.code}`));
    assert.equal(result.signal, c.signal ?? null, 'the guard dies of the same signal');
    assert.equal(result.code, c.code ?? null, 'the guard exits with the same code');
    assert.deepEqual(readdirSync(journals), [], 'a rescued run leaves no journal behind');
  });
}

test('a clean exit calls no rescue and leaves no files behind', async () => {
  const result = await crashApp('ok');
  assert.equal(result.code, 0);
  assert.equal(result.rescue, undefined);
  assert.match(result.stdout, /^ready \d+\n$/);
  assert.equal(result.stderr, '');
  assert.ok(existsSync(journals));
  assert.deepEqual(readdirSync(journals), []);
});

test('the segv fixture is a real segmentation fault, also without a guard', async () => {
  // Guards against the test above passing on a simulated fault: without --stack-size, V8
  // catches the recursion and the program exits with code 1 instead.
  const unguarded = await run(process.execPath, [...SEGV_NODE_OPTIONS, '-e', `require(${JSON.stringify(fixture('crash'))}).crash('segv')`]);
  assert.equal(unguarded.signal, 'SIGSEGV');
});
