// The Python client beyond the conformance scenarios: its unit checks against SPEC's examples, the
// original faultguard's segfault example, and `faultguard run -- python3 app.py`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PYTHON } from './conformance/adapters/python';
import { CLI, ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory('faultguard-python-');
after(dir.remove);
const FIXTURES = join(ROOT, 'test', 'fixtures', 'python');
const PACKAGE = join(ROOT, 'runtime', 'python');
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy']).status === 0;
/** The package, and numpy or a stand-in for it (the original's example imports it). */
const env = { ...process.env, PYTHONPATH: hasNumpy ? PACKAGE : `${PACKAGE}:${join(FIXTURES, 'numpy-stub')}`, FAULTGUARD_CLI: CLI };

test('the unit checks of the Python client pass (SPEC §2.8 bytes, values, connect, autosave reading)', async () => {
  const result = await run(PYTHON, ['-m', 'unittest', '-v', 'test_client'], { cwd: FIXTURES, env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Ran (\d+) tests[\s\S]*\nOK\n/);
});

test('the example: a real SIGSEGV in launch, the rescue gets exit code -11 and the data', async () => {
  const result = await run(PYTHON, [join(PACKAGE, 'examples', 'segfault.py')], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "crashed with exit code -11; rescued:\n  counts = b'\\x06\\x07\\x05'\n  greeting = Hello, World01234567\n");
});

// The original faultguard's own example (PyPI page of 1.0.3, in the reference documents), run as
// it is: same import, numpy array, ctypes.string_at(0) at i == 7.
const SEED = join(ROOT, '..', 'shared', 'seeds', '001_239ac8de4ea7adcf.txt');
test("the original faultguard's example runs unchanged", { skip: existsSync(SEED) ? false : 'the reference documents are not here' }, async () => {
  const page = readFileSync(SEED, 'utf8');
  const source = page.slice(page.indexOf('import faultguard\n'), page.indexOf('    main()\n') + '    main()\n'.length);
  const script = join(dir.path, 'original_example.py');
  writeFileSync(script, source);
  const result = await run(PYTHON, [script], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Launching demo\n/);
  assert.match(result.stdout, /Fault occured\. Exit code: -11\. Rescued data:\nimportant_data_1: .+\nimportant_data_2: Hello World01234567\n$/);
});

test('a relative script that changes its working folder before start() is run again, not reported as a crash', async () => {
  const result = await run(PYTHON, ['chdir_app.py', dir.path], { cwd: FIXTURES, env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'launched\nreturned 0\n', result.stderr);
});

test('faultguard run -- python3 app.py: the program connects through the environment, --on-crash gets its data', async () => {
  const app = join(FIXTURES, 'connect_app.py');
  const onCrash = 'echo "status $FAULTGUARD_EXIT_STATUS"; cat "$FAULTGUARD_RESCUE_DIR/index.json" "$FAULTGUARD_RESCUE_DIR/text.json"; od -An -tx1 "$FAULTGUARD_RESCUE_DIR/blob.bin"';
  const result = await run(process.execPath, [CLI, 'run', '--on-crash', onCrash, '--', PYTHON, app], { env });
  assert.equal(result.signal, 'SIGSEGV', result.stderr);
  const [stored, status, ...rest] = result.stdout.split('\n');
  assert.deepEqual([stored, status], ['stored', 'status -11']);
  const output = rest.join('\n');
  const index = JSON.parse(output.slice(0, output.indexOf(']') + 1)) as Array<{ key: string; encoding: string }>;
  assert.deepEqual(index.map(({ key, encoding }) => [key, encoding]), [['text', 'json'], ['blob', 'bytes'], ['pickled', 'python-pickle']]);
  assert.match(output, /\]\n?"héllo"\s+00 01 ff\n$/);

  const unguarded = await run(PYTHON, [app], { env });
  assert.equal(unguarded.stdout, 'unguarded\n');
});

test('a script that calls start() under faultguard run: launch runs connected to that guard, whose rescue gets the data', async () => {
  const onCrash = 'cat "$FAULTGUARD_RESCUE_DIR/greeting.json"';
  const result = await run(process.execPath, [CLI, 'run', '--on-crash', onCrash, '--', PYTHON, join(PACKAGE, 'examples', 'segfault.py')], { env });
  assert.equal(result.signal, 'SIGSEGV', result.stderr);
  assert.equal(result.stdout, '"Hello, World01234567"');
});
