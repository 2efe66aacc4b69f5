// A reader that goes away (`faultguard inspect FILE KEY | head -n1`): every command stops quietly,
// as cat and git do, with status 141, and leaves nothing half-done (issue 14, item 7).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, fixture, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
const folder = join(dir.path, 'saves');
let autosave: string;

before(async () => {
  mkdirSync(folder);
  autosave = join(folder, 'crashed.fgsave');
  // 2.4 MB of text in one value, and 2,000 files to list: far more than a pipe holds, so the CLI is
  // still writing when the reader leaves.
  const crashed = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...env, AUTOSAVE: autosave, LOG_LINES: '100000' } });
  assert.equal(crashed.signal, 'SIGKILL', crashed.stderr);
  for (let i = 0; i < 2000; i++) copyFileSync(autosave, join(folder, `copy-${i}.fgsave`));
});

/** Runs the CLI with its stdout read by us until `enough` says so, then closed, as `head` closes it. */
function readUntil(args: string[], enough: (output: string) => boolean): Promise<{ code: number | null; stderr: string; output: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const check = () => {
    if (enough(output)) child.stdout.destroy();
  };
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    output += text;
    check();
  });
  check();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, output })));
}

const firstLine = (output: string) => output.includes('\n');
const anything = (output: string) => output.length > 0;

test('inspect FILE KEY | head -c 64: no message, no stack trace, status 141', async () => {
  const result = await readUntil(['inspect', autosave, 'log'], anything);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 141);
  assert.ok(result.output.startsWith('"a log line that repeats\\n'));
});

test('ls | head -n1, ls --json and inspect --raw end the same way when the reader leaves', async () => {
  for (const [args, enough] of [[['ls', folder], firstLine], [['ls', '--json', folder], firstLine], [['inspect', '--raw', autosave, 'log'], anything]] as const) {
    const result = await readUntil([...args], enough);
    assert.deepEqual({ code: result.code, stderr: result.stderr }, { code: 141, stderr: '' }, args.join(' '));
  }
});

test('recover --json with nobody reading: the values are all written, then it stops quietly', async () => {
  const out = join(dir.path, 'recovered');
  const result = await readUntil(['recover', autosave, '--out', out, '--json'], () => true);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 141);
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as Array<{ key: string; file: string; size: number }>;
  assert.deepEqual(index.map((entry) => entry.key), ['text', 'numbers', 'binary', 'log']);
  assert.ok(JSON.parse(readFileSync(join(out, index[3].file), 'utf8')) === 'a log line that repeats\n'.repeat(100_000), 'the last value is whole');
});

test('output to a full device: one line saying so, status 1', async () => {
  const result = await run('sh', ['-c', `"${process.execPath}" "${CLI}" inspect "${autosave}" log > /dev/full`], { env });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'faultguard: cannot write the output: no space left on the device\n');
});
