// The crash context (SPEC §10): why a run died, kept with its data, from real deaths.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CrashContext } from '@faultguard/protocol';
import { CLI, fixture, launch, ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let serial = 0;

/** A run under the CLI whose --on-crash command copies the context file out; returns both. */
async function crashed(program: string[], extra: string[] = []): Promise<{ code: number | null; stderr: string; context: CrashContext; error: string }> {
  const out = join(dir.path, `context-${serial++}`);
  const onCrash = `cp "$FAULTGUARD_CONTEXT_FILE" ${out}.json; printf '%s' "$FAULTGUARD_ERROR" > ${out}.error`;
  const result = await run(process.execPath, [CLI, 'run', '-q', ...extra, '--on-crash', onCrash, '--', ...program], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') } });
  assert.ok(existsSync(`${out}.json`), `the rescue got a context file (status ${result.code}, stderr: ${result.stderr})`);
  return { code: result.code, stderr: result.stderr, context: JSON.parse(readFileSync(`${out}.json`, 'utf8')), error: readFileSync(`${out}.error`, 'utf8') };
}

/** A program as users write one: plain JavaScript that requires the built runtime. */
function script(name: string, body: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, `const { connect } = require(${JSON.stringify(join(ROOT, 'runtime', 'dist', 'index.js'))});\nconst data = connect();\n${body}\n`);
  return file;
}

test('an uncaught exception: its message and a stack that names the file and line, with the breadcrumbs before it', async () => {
  const file = script('throws.js', [
    "data.set('document', 'kept');",
    "data.breadcrumb('opened the document');",
    "data.breadcrumb('parsing settings');",
    'function parseSettings() {',
    "  throw new TypeError('settings.port is not a number');", // line 7
    '}',
    'parseSettings();',
  ].join('\n'));
  const { code, context, error } = await crashed([process.execPath, file]);
  assert.equal(code, 1);
  assert.equal(context.error?.kind, 'uncaught-exception');
  assert.equal(context.error?.type, 'TypeError');
  assert.equal(context.error?.message, 'settings.port is not a number');
  assert.match(context.error?.stack ?? '', new RegExp(`at parseSettings \\(${file.replace(/[.]/g, '\\.')}:7:9\\)`));
  assert.equal(error, 'TypeError: settings.port is not a number');
  assert.deepEqual(context.breadcrumbs?.map((crumb) => [crumb.seq, crumb.text]), [[1, 'opened the document'], [2, 'parsing settings']]);
  assert.match(context.output?.stderr?.text ?? '', /TypeError: settings.port is not a number/, 'the stderr the program printed as it died');
});

test('an unhandled rejection is recorded as one', async () => {
  const file = script('rejects.js', "Promise.reject(new RangeError('no connection'));");
  const { context } = await crashed([process.execPath, file]);
  assert.equal(context.error?.kind, 'unhandled-rejection');
  assert.equal(context.error?.message, 'no connection');
});

test('a heap exhausted under --max-old-space-size: Node\'s report, picked out', async () => {
  const { code, context } = await crashed([process.execPath, '--max-old-space-size=40', fixture('context-app'), 'heap']);
  assert.equal(code, null, 'it died of a signal');
  assert.match(context.report?.event ?? '', /heap out of memory/);
  assert.ok((context.report?.heap?.used ?? 0) > 20 * 1024 * 1024, `the heap's size is there (${JSON.stringify(context.report?.heap)})`);
  assert.match(context.output?.stderr?.text ?? '', /Reached heap limit|heap out of memory/);
});

test('the last output through a pipe: its tail, every line of it also passed on as it came', async () => {
  const journals = join(dir.path, 'journals-pipe');
  const app = launch(process.execPath, [CLI, 'run', '-q', '--keep-output', '1K', '--autosave', `${dir.path}/pipe/`, '--', process.execPath, fixture('context-app'), 'stderr'], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: journals } });
  const pid = Number((await app.waitForLine(/ready (\d+)/))[1]);
  process.kill(pid, 'SIGKILL');
  const result = await app.finished;
  assert.equal(result.signal, 'SIGKILL');
  const relayed = result.stderr.split('\n').filter((line) => line.startsWith('stderr line'));
  assert.equal(relayed.length, 500, 'the program\'s stderr reached ours whole');
  assert.equal(relayed[499], 'stderr line 500');
  const [save] = readdirSync(join(dir.path, 'pipe'));
  const inspected = await run(process.execPath, [CLI, 'inspect', '--json', join(dir.path, 'pipe', save)]);
  const tail = JSON.parse(inspected.stdout).header.context.output.stderr;
  assert.equal(tail.truncated, true);
  assert.ok(tail.text.endsWith('stderr line 499\nstderr line 500\n'), tail.text.slice(-60));
  assert.ok(Buffer.byteLength(tail.text) <= 1024);
  assert.equal(tail.bytes, relayed.reduce((sum, line) => sum + line.length + 1, 0));
  assert.equal(JSON.parse(inspected.stdout).header.context.oom, undefined, 'a kill -9 is not the OOM killer');
  const human = await run(process.execPath, [CLI, 'inspect', join(dir.path, 'pipe', save)]);
  assert.match(human.stdout, /Why it died\n {2}Stderr {3}\(the last 1\.0 KiB of [\d.]+ KiB\)\n[\s\S]*stderr line 500\n/);
});

test('breadcrumbs survive SIGKILL at random moments: never one acknowledged and missing', async () => {
  for (let round = 0; round < 8; round++) {
    const journals = join(dir.path, `storm-${round}`);
    const app = launch(process.execPath, [CLI, 'run', '-q', '--breadcrumbs', '20', '--', process.execPath, fixture('context-app'), 'storm'], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: journals } });
    await app.waitForLine(/^40$/m); // more than the ring holds
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 200));
    const programs = readdirSync(journals).map((name) => JSON.parse(readFileSync(join(journals, name, 'run.json'), 'utf8')).pid as number);
    process.kill(programs[0], 'SIGKILL');
    await app.finished;
    const acknowledged = Math.max(...app.output().split('\n').filter((line) => /^\d+$/.test(line)).map(Number));
    const [folder] = readdirSync(journals);
    const context = JSON.parse(readFileSync(join(journals, folder, 'crash-context.json'), 'utf8')) as CrashContext;
    const seqs = context.breadcrumbs!.map((crumb) => crumb.seq);
    assert.ok(seqs.at(-1)! >= acknowledged, `round ${round}: breadcrumb ${acknowledged} was acknowledged, the last kept is ${seqs.at(-1)}`);
    assert.equal(seqs.length, 20, 'the ring holds the last 20');
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'in order, none missing');
    assert.equal(context.breadcrumbs!.at(-1)!.text, `step ${seqs.at(-1)}`);
  }
});

/** A memory cgroup of its own for the OOM test, or why there cannot be one here. */
function memoryCgroup(limitBytes: number): { procs: string; remove: () => void } | string {
  if (process.getuid?.() !== 0) return 'needs root to make a memory cgroup';
  const self = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((line) => line.split(':'));
  const v1 = self.find(([, controllers]) => controllers?.split(',').includes('memory'));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' - '));
  const attempt = (base: string, limitFile: string) => {
    const path = join(base, `faultguard-test-${process.pid}`);
    try {
      mkdirSync(path);
      writeFileSync(join(path, limitFile), String(limitBytes));
      return { procs: join(path, 'cgroup.procs'), remove: () => rmdirSync(path) };
    } catch (error) {
      return `cannot make a memory cgroup under ${base}: ${(error as Error).message}`;
    }
  };
  if (v1) {
    const mount = mounts.find(([, right]) => right?.startsWith('cgroup ') && right.split(' ')[2]?.split(',').includes('memory'));
    if (!mount) return 'no cgroup v1 memory mount';
    return attempt(join(mount[0].split(' ')[4], v1[2]), 'memory.limit_in_bytes');
  }
  const v2 = mounts.find(([, right]) => right?.startsWith('cgroup2 '));
  if (!v2) return 'no cgroup v2 mount';
  const own = self.find(([id]) => id === '0')?.[2] ?? '/';
  return attempt(join(v2[0].split(' ')[4], own), 'memory.max');
}

test('killed by the real OOM killer in a memory-limited cgroup: the exit record says so; a plain kill -9 does not', async (t) => {
  const cgroup = memoryCgroup(200 * 1024 * 1024);
  if (typeof cgroup === 'string') return t.skip(cgroup);
  try {
    const saves = join(dir.path, 'oom');
    const command = `echo $$ > ${cgroup.procs} && exec ${process.execPath} ${CLI} run -q --autosave ${saves}/ -- ${process.execPath} ${fixture('context-app')} memory`;
    const result = await run('/bin/sh', ['-c', command], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals-oom') } });
    assert.equal(result.signal, 'SIGKILL', `the guard ends like its program: ${result.stderr}`);
    const [save] = readdirSync(saves);
    const header = JSON.parse((await run(process.execPath, [CLI, 'inspect', '--json', join(saves, save)])).stdout).header;
    assert.equal(header.exit.signal, 'SIGKILL');
    assert.equal(header.exit.category, 'limit/memory');
    assert.equal(header.exit.reason, "killed by the kernel's out-of-memory killer (SIGKILL)");
    assert.match(header.context.oom.evidence, /kernel log: .*Killed process \d+|oom_kill counter/);
  } finally {
    cgroup.remove();
  }
});

test('an autosave from before crash contexts, and a context of the wrong shape', async () => {
  // A program with no client leaves no error and no breadcrumbs, only what the guard saw.
  const { context } = await crashed(['/bin/sh', '-c', 'echo dying >&2; kill -SEGV $$']);
  assert.equal(context.error, undefined);
  assert.equal(context.breadcrumbs, undefined);
  assert.equal(context.output?.stderr?.text, 'dying\n');
});

test("start()'s rescue gets the context: the uncaught error thrown in launch", async () => {
  const result = await run(process.execPath, [fixture('crash-app'), 'throw'], { env: { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals-start') } });
  assert.equal(result.code, 1);
  const rescue = JSON.parse(result.stdout.split('\n').find((line) => line.startsWith('{'))!) as { context: CrashContext };
  assert.equal(rescue.context.error?.message, 'uncaught failure in launch');
  assert.match(rescue.context.error?.stack ?? '', /crash-app\.js:\d+:\d+/);
  assert.match(rescue.context.output?.stderr?.text ?? '', /uncaught failure in launch/);
});
