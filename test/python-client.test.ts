// The Python client beyond the conformance scenarios: its unit checks, its example, the process
// model (code before start() runs once), `faultguard run -- python3 app.py`, what the CLI and the
// editor's recovery service read of a Python-guarded crash, legacy 1.1.x autosaves, and the trust rule.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ReadRunRequest, ReadValueRequest } from '@faultguard/protocol/recovery-service';
import { PYTHON } from './conformance/adapters/python';
import { CLI, launch, ROOT, run, temporaryDirectory } from './helpers/processes';
import { startRecoveryService } from './helpers/recovery-service';

const dir = temporaryDirectory('faultguard-python-');
after(dir.remove);
const FIXTURES = join(ROOT, 'test', 'fixtures', 'python');
const PACKAGE = join(ROOT, 'runtime', 'python');
const ORIGINAL = join(ROOT, '..', 'shared', 'peers', 'faultguard-1.1.1', 'faultguard.py');
const env = { ...process.env, PYTHONPATH: PACKAGE, PYTHONDONTWRITEBYTECODE: '1', FAULTGUARD_CLI: CLI };

/** A fresh folder that only this user can write: what the trust rule asks of recover()'s files. */
function privateFolder(name: string): string {
  const folder = mkdtempSync(join(dir.path, `${name}-`));
  chmodSync(folder, 0o700);
  return folder;
}

function python(code: string, cwd: string, pythonPath = PACKAGE) {
  return run(PYTHON, ['-c', code], { cwd, env: { ...env, PYTHONPATH: pythonPath }, deadlineMs: 60_000 });
}

interface Report {
  generation: number;
  values: Record<string, [string, string]>;
  exit: { status: number } | null;
  warnings: string[];
}

async function recoverReport(file: string): Promise<Report> {
  const out = join(dir.path, `report-${Math.random().toString(36).slice(2)}.json`);
  const result = await run(PYTHON, [join(FIXTURES, 'recover_report.py'), file, out], { env, deadlineMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(readFileSync(out, 'utf8')) as Report;
}

test('the unit checks of the Python client pass (SPEC §2.8 bytes, values, keys, connect, autosave reading)', async () => {
  const result = await run(PYTHON, ['-m', 'unittest', '-v', 'test_client'], { cwd: FIXTURES, env: { ...env, PYTHONPATH: `${PACKAGE}:${FIXTURES}` }, deadlineMs: 120_000 });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Ran (\d+) tests[\s\S]*\nOK\n/);
});

test('the example: a real SIGSEGV in launch, the rescue gets exit code -11 and the data, with its types', async () => {
  const result = await run(PYTHON, [join(PACKAGE, 'examples', 'segfault.py')], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "crashed with exit code -11; rescued:\n  counts = bytearray(b'\\x06\\x07\\x05')\n  greeting = Hello, World01234567\n");
});

test('code before start() runs once, in the caller; a program read from standard input works', async () => {
  const script = [
    'import faultguard, os',
    "print('before start', flush=True)",
    "def launch(data, args): data[args] = 'stored'; os._exit(4)",
    "def rescue(data, code, args): print('rescued', code, dict(data), flush=True)",
    "print('returned', faultguard.start(launch, rescue, args=os.getpid()), flush=True)",
  ].join('\n');
  const result = await run('/bin/sh', ['-c', `printf '%s\\n' "$SCRIPT" | ${PYTHON} -`], { env: { ...env, SCRIPT: script } });
  assert.equal(result.code, 0, result.stderr);
  const [before, rescued, returned] = result.stdout.trim().split('\n');
  assert.equal(before, 'before start');
  assert.match(rescued, /^rescued 4 \{(\d+): 'stored'\}$/);
  assert.equal(returned, 'returned 4');
});

test('faultguard run -- python3 app.py: the program connects through the environment, --on-crash gets its data', async () => {
  const app = join(FIXTURES, 'connect_app.py');
  const onCrash = 'echo "status $FAULTGUARD_EXIT_STATUS"; cat "$FAULTGUARD_RESCUE_DIR/index.json" "$FAULTGUARD_RESCUE_DIR/text.json"; od -An -tx1 "$FAULTGUARD_RESCUE_DIR/blob.bin"';
  const result = await run(process.execPath, [CLI, 'run', '--on-crash', onCrash, '--', PYTHON, app], { env });
  assert.equal(result.signal, 'SIGSEGV', result.stderr);
  const [stored, status, ...rest] = result.stdout.split('\n');
  assert.deepEqual([stored, status], ['stored', 'status -11']);
  const output = rest.join('\n');
  const index = JSON.parse(output.slice(0, output.indexOf(']') + 1)) as Array<{ key: string; keyType?: string; encoding: string }>;
  assert.deepEqual(
    index.map(({ key, keyType, encoding }) => [key, keyType ?? 'str', encoding]),
    [['text', 'str', 'json'], ['blob', 'str', 'bytes'], ['pickled', 'str', 'python-pickle'], ['7', 'int', 'json']],
  );
  assert.match(output, /\]\n?"héllo"\s+00 01 ff\n$/);

  const unguarded = await run(PYTHON, [app], { env });
  assert.equal(unguarded.stdout, 'unguarded\n');
});

test('start() under faultguard run is a guard of its own: its rescue runs, the outer journal is not touched', async () => {
  const onCrash = 'echo outer rescue';
  const result = await run(process.execPath, [CLI, 'run', '--on-crash', onCrash, '--', PYTHON, join(PACKAGE, 'examples', 'segfault.py')], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^crashed with exit code -11; rescued:\n/);
  assert.doesNotMatch(result.stdout, /outer rescue/);
});

/** A Python-guarded run that crashed and whose rescue failed: its autosave is kept at `file`. */
async function crashedRun(file: string): Promise<void> {
  const code = [
    'import faultguard, os, signal',
    "def launch(data): data['notes'] = 'draft'; data[0] = [1, 2]; data[('x', 1)] = b'\\x00\\x01'; data['pair'] = (1, 2); os.kill(os.getpid(), signal.SIGKILL)",
    "def rescue(data, code): raise RuntimeError('rescue failed')",
    `try: faultguard.start(launch, rescue, autosave_interval=60, autosave_file=${JSON.stringify(file)})`,
    'except RuntimeError: pass',
  ].join('\n');
  const result = await python(code, dir.path);
  assert.equal(result.code, 0, result.stderr);
}

test('a Python-guarded crash: faultguard recover --out writes every value, the recovery service shows its keys by label', async () => {
  const folder = privateFolder('service');
  const file = join(folder, 'app.fgsave');
  await crashedRun(file);
  const out = join(dir.path, 'recovered-out');
  const recovered = await run(process.execPath, [CLI, 'recover', file, '--out', out]);
  assert.equal(recovered.code, 0, recovered.stderr);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as Array<{ key: string; keyType?: string; encoding: string; file: string }>;
  assert.deepEqual(index.map(({ key, keyType, encoding }) => [key, keyType ?? 'str', encoding]), [
    ['notes', 'str', 'json'], ['0', 'int', 'json'], ["('x', 1)", 'python-pickle', 'bytes'], ['pair', 'str', 'python-pickle'],
  ]);
  assert.equal(readFileSync(join(out, index[1].file), 'utf8'), '[1,2]');
  const shown = await run(process.execPath, [CLI, 'inspect', file, '0', '--key-type', 'int']);
  assert.equal(shown.stdout, '[\n  1,\n  2\n]\n', shown.stderr);

  const service = await startRecoveryService();
  try {
    service.configure({ folders: [folder], maxInspectedBytes: 1 << 30 });
    const snapshot = await service.waitForSnapshot('the crashed run', (s) => s.runs.some((r) => r.file === file && r.state === 'crashed'));
    assert.equal(snapshot.runs.find((r) => r.file === file)?.header?.exit?.status, -9);
    const contents = await service.request(ReadRunRequest, { file });
    assert.deepEqual(contents.keys.map(({ label, keyType, encoding }) => [label, keyType, encoding]), [
      [undefined, undefined, 'json'], ['0', 'int', 'json'], ["('x', 1)", 'python-pickle', 'bytes'], [undefined, undefined, 'python-pickle'],
    ]);
    const view = await service.request(ReadValueRequest, { file, key: contents.keys[1].key, extent: 'page' });
    assert.deepEqual([view.rendering, view.text], ['json', '[\n  1,\n  2\n]\n']);
  } finally {
    await service.stop();
  }
});

test('recover() gives back every value with its type from a private folder; the trust rule decides', async () => {
  const folder = privateFolder('typed');
  const file = join(folder, 'app.fgsave');
  await crashedRun(file);
  const report = await recoverReport(file);
  assert.deepEqual(report.values, {
    "'notes'": ['str', "'draft'"], '0': ['list', '[1, 2]'], "('x', 1)": ['bytes', "b'\\x00\\x01'"], "'pair'": ['tuple', '(1, 2)'],
  });
  assert.deepEqual([report.generation, report.exit?.status, report.warnings], [0, -9, []]);
});

test('a legacy 1.1.x autosave written by the original is recovered, and its backup <file>.tmp', { skip: existsSync(ORIGINAL) ? false : 'no original faultguard in ../shared/peers' }, async () => {
  const original = privateFolder('original-module');
  writeFileSync(join(original, 'faultguard.py'), readFileSync(ORIGINAL));
  const folder = privateFolder('legacy');
  const code = [
    'import faultguard, os, signal, time',
    "def launch(data): data['text'] = 'héllo'; data[5] = (1, 'a'); data['set'] = {2, 3}; time.sleep(2.5); os.kill(os.getpid(), signal.SIGKILL)",
    "def rescue(data, code): raise RuntimeError('keep the autosave')",
    "try: faultguard.start(launch, rescue, autosave_interval=1, autosave_file='legacy.xz')",
    'except RuntimeError: pass',
  ].join('\n');
  const written = await python(code, folder, original);
  assert.equal(written.code, 0, written.stderr);
  assert.ok(existsSync(join(folder, 'legacy.xz.tmp')), 'the original kept its backup');
  await new Promise((resolve) => setTimeout(resolve, 2100)); // the original takes a file accessed within 2 s for a live run's
  const report = await recoverReport(join(folder, 'legacy.xz'));
  assert.deepEqual(report.values, { "'text'": ['str', "'héllo'"], '5': ['tuple', "(1, 'a')"], "'set'": ['set', '{2, 3}'] });
  assert.deepEqual([report.generation, report.exit], [0, null]);

  writeFileSync(join(folder, 'legacy.xz'), 'Test'); // the newest damaged: its backup is read, as the original does
  const backup = await recoverReport(join(folder, 'legacy.xz'));
  assert.equal(backup.generation, 1);
  assert.match(backup.warnings.join('\n'), /read .*legacy\.xz\.tmp/);
});

test('a planted pickle is never unpickled: by recover() where the trust rule does not hold, inspect, recover --out or the service', async () => {
  for (const kind of ['ours', 'legacy'] as const) {
    const made = privateFolder(`planted-${kind}`);
    const marker = join(dir.path, `pwned-${kind}`);
    const file = join(made, kind === 'ours' ? 'planted.fgsave' : 'planted.xz');
    const planted = await run(PYTHON, [join(FIXTURES, 'planted.py'), kind, file, marker], { env, deadlineMs: 60_000 });
    assert.equal(planted.code, 0, planted.stderr);
    assert.equal(existsSync(marker), false, 'making the file ran nothing');

    // In a folder others may write, and, as a file of another user's, in a private folder.
    const shared = mkdtempSync(join(dir.path, 'shared-'));
    chmodSync(shared, 0o777);
    const foreign = privateFolder('foreign');
    // A file of another user's needs root to make; without it, the shared folder alone is tried.
    const places = process.getuid?.() === 0 ? [join(shared, 'a'), join(foreign, 'b')] : [join(shared, 'a')];
    for (const [i, place] of places.entries()) {
      writeFileSync(place, readFileSync(file));
      if (i === 1) chownSync(place, 65534, 65534); // nobody
      const report = await recoverReport(place);
      assert.deepEqual(report.values["'evil'"], ['Opaque', `Opaque(python-pickle, ${report.values["'evil'"][1].match(/(\d+) bytes/)![1]} bytes)`]);
      assert.deepEqual(report.values["'text'"], kind === 'ours' ? ['str', "'plain'"] : ['Opaque', report.values["'text'"][1]]);
      assert.match(report.warnings.join('\n'), i === 0 ? /not trusted \(others may write its folder/ : /not trusted \(it belongs to another user/);
      assert.equal(existsSync(marker), false, `${kind} at ${place}: nothing was unpickled`);
    }
    if (kind === 'ours') {
      assert.equal((await run(process.execPath, [CLI, 'inspect', places[0], 'evil'])).code, 0);
      assert.equal((await run(process.execPath, [CLI, 'recover', places[0], '--out', join(dir.path, 'planted-out')])).code, 0);
      const service = await startRecoveryService();
      try {
        service.configure({ folders: [made], maxInspectedBytes: 1 << 30 });
        await service.waitForSnapshot('the planted run', (s) => s.runs.some((r) => r.file === file));
        const contents = await service.request(ReadRunRequest, { file });
        await service.request(ReadValueRequest, { file, key: contents.keys[0].key, extent: 'whole' });
      } finally {
        await service.stop();
      }
      assert.equal(existsSync(marker), false, 'the CLI and the service never unpickle');
    }
    // The control: the same file in its private folder, this user's own, is trusted, and the payload is real.
    await recoverReport(file);
    assert.equal(existsSync(marker), true, `${kind}: a trusted file is unpickled, as the original does`);
  }
});

test('a missing autosave: FileNotFoundError from is_active, as the original raises', async () => {
  const result = await python("import faultguard\ntry: faultguard.is_active('nope.xz')\nexcept FileNotFoundError as e: print('missing', isinstance(e, RuntimeError))", dir.path);
  assert.equal(result.stdout, 'missing True\n', result.stderr);
});

test('renaming the live autosave away stops the guard from writing over it, and it leaves nothing behind', async () => {
  const folder = privateFolder('renamed');
  const code = [
    'import faultguard, os, time',
    "def launch(data): data['a'] = 1; time.sleep(1.5); data['b'] = 2; time.sleep(1.5)",
    "faultguard.start(launch, print, autosave_interval=0.2, autosave_file='live.fgsave')",
  ].join('\n');
  const caller = launch(PYTHON, ['-c', code], { cwd: folder, env, deadlineMs: 60_000 });
  const live = join(folder, 'live.fgsave');
  for (let i = 0; i < 100 && !existsSync(`${live}.prev`); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  renameSync(live, join(folder, 'moved.fgsave'));
  const result = await caller.finished;
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(readdirSync(folder), ['moved.fgsave'], 'the guard removed its own previous generation, and nothing else');
});

test('pip install ./runtime/python in a fresh venv with no package index: the example runs from the installed package', async () => {
  const venv = join(dir.path, 'venv');
  assert.equal((await run(PYTHON, ['-m', 'venv', venv], { deadlineMs: 120_000 })).code, 0);
  const noIndex = { ...process.env, PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONPATH: '' };
  const installed = await run(join(venv, 'bin', 'pip'), ['install', '--no-index', PACKAGE], { cwd: dir.path, env: noIndex, deadlineMs: 120_000 });
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
  assert.match(installed.stdout, /Successfully installed faultguard-client-\d+\.\d+\.\d+/);
  const version = await run(join(venv, 'bin', 'python'), ['-c', 'import faultguard, importlib.metadata as m; print(faultguard.__version__ == m.version("faultguard-client"), faultguard.__file__)'], { cwd: dir.path, env: noIndex });
  assert.match(version.stdout, new RegExp(`^True ${venv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/lib/python3\\.\\d+/site-packages/faultguard/__init__\\.py\\n$`), version.stderr);
  const example = await run(join(venv, 'bin', 'python'), [join(PACKAGE, 'examples', 'segfault.py')], { cwd: dir.path, env: noIndex });
  assert.match(example.stdout, /^crashed with exit code -11; rescued:\n/, example.stderr);
});
