// Runs every compiled test file with Node's test runner; its summary is what CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const files = testFiles('out/test').sort();
// Journals of the tests' runs go to a folder of their own, removed afterwards, so the suite
// leaves nothing in the user's real journal folder (kept runs are part of what it tests).
const journals = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'faultguard-tests-'));
const started = Date.now();
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, FAULTGUARD_JOURNAL_DIR: join(journals, 'journals') },
});
rmSync(journals, { recursive: true, force: true });
console.log(`test wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(result.status ?? 1);
