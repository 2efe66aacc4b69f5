// The Python client as a drop-in for the original faultguard 1.1.1: the original's own tests and
// example, run unchanged against both, and a table of cases run against both, compared field by
// field. The original's files are copied into temporary folders only, never into the repository.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PYTHON } from './conformance/adapters/python';
import { launch, ROOT, run, temporaryDirectory } from './helpers/processes';

const PEERS = join(ROOT, '..', 'shared', 'peers', 'faultguard-1.1.1');
const skip = existsSync(join(PEERS, 'faultguard.py')) ? false : 'the original faultguard is not in ../shared/peers';
const dir = temporaryDirectory('faultguard-compat-');
after(dir.remove);
const OURS = join(ROOT, 'runtime', 'python');
const CASES = join(ROOT, 'test', 'fixtures', 'python', 'compare_cases.py');
/** The original module alone in a folder of its own, to put on PYTHONPATH instead of ours. */
const ORIGINAL = join(dir.path, 'original');
if (!skip) {
  mkdirSync(ORIGINAL);
  copyFileSync(join(PEERS, 'faultguard.py'), join(ORIGINAL, 'faultguard.py'));
}
const MODULES = { original: ORIGINAL, ours: OURS } as const;
type Module = keyof typeof MODULES;

/** A private folder holding copies of the original's tests and examples, as a user would have them. */
function workFolder(): string {
  const folder = mkdtempSync(join(dir.path, 'work-'));
  chmodSync(folder, 0o700);
  for (const name of ['test_autosave.py', 'test_example.py', 'example.py']) copyFileSync(join(PEERS, name), join(folder, name));
  return folder;
}

const env = (module: Module, extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, PYTHONPATH: MODULES[module], PYTHONDONTWRITEBYTECODE: '1', ...extra });

// Each test runs its own processes in its own folder, and most of their time is the programs'
// sleeps: they run side by side.
describe("the original's own tests and example, unchanged", { skip, concurrency: 3 }, () => {
  for (const module of ['original', 'ours'] as const) {
    test(`test_autosave.py and test_example.py pass under pytest with the ${module} module`, async () => {
      const folder = workFolder();
      const result = await run(PYTHON, ['-m', 'pytest', '-p', 'no:cacheprovider', 'test_autosave.py', 'test_example.py'], { cwd: folder, env: env(module), deadlineMs: 120_000 });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.match(result.stdout, /\b3 passed\b/);
    });

    test(`example.py runs, crashes at i == 7 and is rescued, with the ${module} module`, async () => {
      const folder = workFolder();
      const result = await run(PYTHON, ['example.py'], { cwd: folder, env: env(module), deadlineMs: 60_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Fault occured\. Exit code: -11\. Rescued data:\nimportant_data_1: \[6 7 5\]\nimportant_data_2: Hello World01234567\n$/);
      assert.equal(existsSync(join(folder, 'test.tmp.xz')), false, 'the rescue returned: no autosave is left');
    });
  }

  test('example.py with no Node.js on PATH: our client needs none', async () => {
    const folder = workFolder();
    const bin = mkdtempSync(join(dir.path, 'bin-'));
    symlinkSync(PYTHON, join(bin, 'python3'));
    const noNode = await run('/bin/sh', ['-c', 'command -v node || echo none'], { env: { PATH: bin } });
    assert.equal(noNode.stdout.trim(), 'none');
    const result = await run(join(bin, 'python3'), ['example.py'], { cwd: folder, env: { PATH: bin, PYTHONPATH: OURS, HOME: folder }, deadlineMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Exit code: -11\. Rescued data:\nimportant_data_1: \[6 7 5\]\nimportant_data_2: Hello World01234567\n$/);
  });
});

interface CaseResult {
  returned?: number;
  raised?: string;
  rescued: { exit_code: number; data: Record<string, string> } | null;
  files: string[];
  [field: string]: unknown;
}

async function runCase(module: Module, name: string): Promise<CaseResult> {
  const folder = mkdtempSync(join(dir.path, `${name}-${module}-`));
  chmodSync(folder, 0o700);
  const result = await run(PYTHON, [CASES, name, join(folder, 'result.json')], { cwd: folder, env: env(module), deadlineMs: 60_000 });
  assert.ok(existsSync(join(folder, 'result.json')), `${module} ${name}: no result (${result.code ?? result.signal})\n${result.stderr}`);
  return JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as CaseResult;
}

/** What each case must show alike in both; `files`: whether the leftover files are compared too (the backup's name differs). */
const TABLE: ReadonlyArray<{ name: string; what: string; compare: readonly string[] }> = [
  { name: 'segv', what: 'a segfault in launch: -11, every value back with its type', compare: ['returned', 'rescued', 'files'] },
  { name: 'raise', what: 'an exception in launch: exit code 1', compare: ['returned', 'rescued', 'files'] },
  { name: 'sys-exit', what: 'sys.exit(3) in launch: 3', compare: ['returned', 'rescued', 'files'] },
  { name: 'os-exit', what: 'os._exit(7) in launch: 7', compare: ['returned', 'rescued', 'files'] },
  { name: 'keyboard-interrupt', what: 'KeyboardInterrupt raised in launch: 1', compare: ['returned', 'rescued', 'files'] },
  { name: 'thread', what: 'a thread of launch stores after launch returned, then the child is killed', compare: ['returned', 'rescued', 'files'] },
  { name: 'clean-autosave', what: 'a clean end: 0, no rescue, the autosave removed', compare: ['returned', 'rescued', 'files'] },
  { name: 'rescued-autosave', what: 'a crash rescued: the autosave removed once the rescue returned', compare: ['returned', 'rescued', 'files'] },
  { name: 'rescue-raises', what: "the rescue's exception comes out of start(); the autosave is kept", compare: ['raised', 'rescued'] },
  { name: 'recover', what: "recover() of a kept autosave returns 0, and 1 from the backup when the newest is damaged", compare: ['raised', 'recover', 'recover_damaged', 'recovered', 'backup_keys_subset'] },
  { name: 'next-launch', what: "the original README's next launch (is_active, recover, os.remove, start) works", compare: ['first_raised', 'recovered', 'raised', 'returned', 'files'] },
  { name: 'is-active', what: 'is_active: FileNotFoundError for a missing file, the access time for a foreign one', compare: ['missing', 'foreign_fresh', 'foreign_old'] },
];

describe('the original and ours, case by case', { skip, concurrency: 4 }, () => {
  for (const row of TABLE) {
    test(row.what, async () => {
      const [original, ours] = await Promise.all([runCase('original', row.name), runCase('ours', row.name)]);
      for (const field of row.compare) assert.deepEqual(ours[field], original[field], `${row.name}: ${field}`);
      if (row.name === 'rescue-raises') for (const result of [original, ours]) assert.ok(result.files.includes('state.xz'), 'the autosave is kept');
      if (row.name === 'segv') assert.equal(ours.rescued?.data["'pair'"], "(1, 'a')", 'a tuple stays a tuple');
    });
  }

  test('Ctrl-C in a real terminal: launch gets KeyboardInterrupt, the rescue exit code 1, in both', async () => {
    const outcomes = await Promise.all((['original', 'ours'] as const).map(async (module) => {
      const folder = mkdtempSync(join(dir.path, `ctrl-c-${module}-`));
      const command = `${PYTHON} ${CASES} wait ${join(folder, 'result.json')}`;
      const terminal = launch('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], cwd: folder, env: env(module), deadlineMs: 60_000 });
      await terminal.waitForLine(/ready/);
      terminal.write('\x03');
      await terminal.finished;
      return JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as CaseResult;
    }));
    assert.deepEqual(outcomes[1], outcomes[0]);
    assert.equal(outcomes[1].returned, 1);
  });

  test('deliberate difference: SIGTERM sent to the caller alone reaches the program (the original ignores it)', async () => {
    const started = (['original', 'ours'] as const).map((module) => {
      const folder = mkdtempSync(join(dir.path, `sigterm-${module}-`));
      return { folder, caller: launch(PYTHON, [CASES, 'wait', join(folder, 'result.json')], { cwd: folder, env: env(module), detached: true, deadlineMs: 60_000 }) };
    });
    await Promise.all(started.map(({ caller }) => caller.waitForLine(/ready/)));
    for (const { caller } of started) process.kill(caller.pid, 'SIGTERM');
    const ours = await started[1].caller.finished;
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal((JSON.parse(readFileSync(join(started[1].folder, 'result.json'), 'utf8')) as CaseResult).returned, -15);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(existsSync(join(started[0].folder, 'result.json')), false, 'the original is still running');
    process.kill(-started[0].caller.pid, 'SIGKILL');
    await started[0].caller.finished;
  });
});
