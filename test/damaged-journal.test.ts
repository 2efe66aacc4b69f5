import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, run } from './helpers/processes';

for (const [how, reason] of [
  ['flip', /record checksum mismatch at byte \d+; kept every record before it, skipped \d+ bytes/],
  ['truncate', /record of \d+ bytes cut short after \d+ \(torn write at the end\) at byte \d+; kept every record before it, skipped \d+ bytes/],
] as const) {
  test(`a damaged journal (${how}) still rescues every record before the damage, and says what was skipped`, async () => {
    const result = await run(process.execPath, [fixture('corrupt-app'), how]);
    assert.equal(result.signal, 'SIGKILL');
    assert.match(result.stdout, /^rescued \{"intact":"stored before the damage"\}$/m);
    assert.match(result.stderr, new RegExp(`faultguard: /\\S+/journal: ${reason.source}`));
  });
}

test('a write that fails half-way is rolled back: set() reports it, and later values are not hidden behind a torn record', async () => {
  const result = await run('prlimit', ['--fsize=65536', process.execPath, fixture('full-disk-app')]);
  assert.match(result.stdout, /^set failed: faultguard: cannot write to journal \/\S+\/journal: EFBIG/m, result.stderr);
  assert.match(result.stdout, /^rescued \{"before":"stored before the failure","after":"stored after the failure"\} damage=none$/m);
});
