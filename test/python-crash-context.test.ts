// The crash context (SPEC §10) of Python programs, from real deaths, in both process models: under
// start() (the Python guard: the rescue's data.context, the autosave, crash-context.json) and under
// `faultguard run` (the CLI's guard: --on-crash's FAULTGUARD_CONTEXT_FILE); what the CLI reads of
// a Python-written context, and what Python's recover() reads and refuses.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { crashContextProblem, type CrashContext, type ExitRecord } from '@faultguard/protocol';
import { PYTHON } from './conformance/adapters/python';
import { Corpus, killedRunAutosave } from './helpers/autosave-corpus';
import { CLI, launch, ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory('faultguard-pycontext-');
after(dir.remove);
const FIXTURES = join(ROOT, 'test', 'fixtures', 'python');
const APP = join(FIXTURES, 'context_app.py');
const env = { ...process.env, PYTHONPATH: join(ROOT, 'runtime', 'python'), PYTHONDONTWRITEBYTECODE: '1' };
let serial = 0;

/** The line of context_app.py that carries the comment `# the <name> line`. */
function lineOf(name: string): number {
  const line = readFileSync(APP, 'utf8').split('\n').findIndex((text) => text.endsWith(`# the ${name} line`));
  assert.ok(line >= 0, `context_app.py marks its ${name} line`);
  return line + 1;
}

interface Report {
  code: number;
  exit: ExitRecord;
  context: CrashContext | null;
  values: Record<string, unknown>;
}

function fresh(name: string): string {
  const folder = mkdtempSync(join(dir.path, `${name}-${serial++}-`));
  chmodSync(folder, 0o700);
  return folder;
}

/** context_app.py under start(): what its rescue was given, and the caller's output. */
async function underStart(how: string, options: { autosave?: string; start?: object; folder?: string } = {}) {
  const folder = options.folder ?? fresh(how);
  const out = join(folder, 'report.json');
  const args = [APP, 'start', how, out, ...(options.autosave ? [options.autosave] : [])];
  const result = await run(PYTHON, args, { cwd: folder, env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals'), START_OPTIONS: JSON.stringify(options.start ?? {}) }, deadlineMs: 60_000 });
  assert.equal(result.code, 0, `the caller returns (${result.code ?? result.signal}): ${result.stderr}`);
  return { result, report: JSON.parse(readFileSync(out, 'utf8')) as Report, folder };
}

/** context_app.py under `faultguard run`, whose --on-crash copies the context file and FAULTGUARD_ERROR out. */
async function underRun(how: string, extra: string[] = []) {
  const folder = fresh(how);
  const onCrash = `cp "$FAULTGUARD_CONTEXT_FILE" ${folder}/context.json; printf '%s' "$FAULTGUARD_ERROR" > ${folder}/error`;
  const result = await run(process.execPath, [CLI, 'run', '-q', ...extra, '--on-crash', onCrash, '--', PYTHON, APP, 'run', how], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals') }, deadlineMs: 60_000 });
  assert.ok(existsSync(join(folder, 'context.json')), `the rescue got a context file (${result.code ?? result.signal}): ${result.stderr}`);
  return { result, context: JSON.parse(readFileSync(join(folder, 'context.json'), 'utf8')) as CrashContext, error: readFileSync(join(folder, 'error'), 'utf8') };
}

const CRUMBS = [[1, 'started'], [2, 'loaded 3 files'], [3, 'parsing settings.ini 😀']];
const crumbsOf = (context: CrashContext | null) => context?.breadcrumbs?.map((crumb) => [crumb.seq, crumb.text]);

test('a SIGSEGV through ctypes.string_at(0) under start(): faulthandler\'s trace names the line, the rescue, the autosave, inspect and recover() have it', async () => {
  const folder = fresh('segv-start');
  const file = join(folder, 'app.fgsave');
  const { report } = await underStart('segv', { autosave: file, folder });
  assert.equal(report.code, -11);
  assert.equal(report.exit.category, 'error/restricted-memory-access');
  const trace = report.context?.nativeTrace;
  assert.equal(trace?.source, 'faulthandler');
  assert.match(trace?.text ?? '', /^Fatal Python error: Segmentation fault\n/);
  assert.match(trace?.text ?? '', new RegExp(`Current thread 0x[0-9a-f]+ \\(most recent call first\\):\\n  File ".*ctypes/__init__\\.py", line \\d+ in string_at\\n  File "${APP}", line ${lineOf('segv')} in crash\\n`));
  assert.deepEqual(crumbsOf(report.context), CRUMBS);
  assert.deepEqual(report.values, { document: { title: 'Notes', text: 'kept' } });

  // The final autosave's header, read by the TypeScript CLI.
  const inspected = await run(process.execPath, [CLI, 'inspect', '--json', file]);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.deepEqual(JSON.parse(inspected.stdout).header.context, report.context, 'the header holds what the rescue got');
  const human = await run(process.execPath, [CLI, 'inspect', file]);
  assert.match(human.stdout, new RegExp(`\\nWhy it died\\n  Trace    \\(faulthandler\\)\\n {11}Fatal Python error: Segmentation fault\\n[\\s\\S]* {11}  File "${APP}", line ${lineOf('segv')} in crash\\n`));
  assert.match(human.stdout, /\n {2}Trail {4}\S+ {2}started\n {11}\S+ {2}loaded 3 files\n {11}\S+ {2}parsing settings\.ini 😀\n/);

  // The rescue raised: the run folder is kept with crash-context.json, which inspect reads beside the journal.
  const [runFolder] = readdirSync(join(folder, 'journals'));
  const contextFile = join(folder, 'journals', runFolder, 'crash-context.json');
  assert.equal(readFileSync(contextFile, 'utf8'), `${JSON.stringify(report.context, null, 2)}\n`);
  const kept = await run(process.execPath, [CLI, 'inspect', '--json', join(folder, 'journals', runFolder, 'journal')]);
  assert.deepEqual(JSON.parse(kept.stdout).context, report.context);

  const recovered = await run(PYTHON, [join(FIXTURES, 'recover_report.py'), file, join(folder, 'recovered.json')], { env, deadlineMs: 60_000 });
  assert.equal(recovered.code, 0, recovered.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(folder, 'recovered.json'), 'utf8')).context, report.context);
});

test('a SIGSEGV through ctypes.string_at(0) under faultguard run: the trace names the line, --on-crash gets it', async () => {
  const { result, context } = await underRun('segv');
  assert.equal(result.signal, 'SIGSEGV');
  assert.match(context.nativeTrace?.text ?? '', new RegExp(`\\n  File "${APP}", line ${lineOf('segv')} in crash\\n  File "${APP}", line \\d+ in main\\n`));
  assert.deepEqual(crumbsOf(context), CRUMBS);
});

test('an uncaught exception: its traceback, under start() (what ends launch) and under faultguard run (sys.excepthook)', async () => {
  const frame = new RegExp(`  File "${APP}", line ${lineOf('raise')}, in parse_settings\\n    return int\\(text\\)`);
  const { report, result } = await underStart('raise');
  assert.equal(report.code, 1);
  const error = report.context?.error;
  assert.deepEqual([error?.kind, error?.type, error?.message], ['exception', 'ValueError', "invalid literal for int() with base 10: 'port = eighty'"]);
  assert.match(error?.stack ?? '', /^Traceback \(most recent call last\):\n/);
  assert.match(error?.stack ?? '', frame);
  assert.match(error?.stack ?? '', /\nValueError: invalid literal for int\(\) with base 10: 'port = eighty'\n$/);
  assert.match(result.stderr, /Process faultguard-launch \(pid \d+\):\nTraceback/, 'the child still prints it as multiprocessing does');
  assert.deepEqual(crumbsOf(report.context), CRUMBS);

  const cli = await underRun('raise');
  assert.equal(cli.result.code, 1);
  assert.deepEqual([cli.context.error?.kind, cli.context.error?.type], ['exception', 'ValueError']);
  assert.match(cli.context.error?.stack ?? '', frame);
  assert.equal(cli.error, "ValueError: invalid literal for int() with base 10: 'port = eighty'");
  assert.match(cli.result.stderr, frame, "Python's own hook still printed it");
  assert.match(cli.context.output?.stderr?.text ?? '', frame, 'and the guard kept what it printed');
});

test("an exception that ends a thread, and the program's own sys.excepthook: recorded, and the hooks before ours still run", async () => {
  for (const model of ['start', 'run'] as const) {
    const context = model === 'start' ? (await underStart('thread')).report.context : (await underRun('thread')).context;
    assert.deepEqual([context?.error?.kind, context?.error?.type, context?.error?.message], ['thread-exception', 'KeyError', "'missing key'"], model);
    assert.match(context?.output?.stderr?.text ?? '', /Exception in thread worker:\n/, `${model}: threading's own hook printed it`);
  }
  const hooked = await underRun('hooked');
  assert.deepEqual([hooked.context.error?.type, hooked.context.error?.message], ['LookupError', 'no such profile']);
  assert.match(hooked.result.stderr, /the program's own hook ran\nTraceback/);
});

test('breadcrumbs survive SIGKILL at random moments, in both models: never an acknowledged one missing', async () => {
  for (let round = 0; round < 12; round++) {
    const model = round % 2 === 0 ? 'start' : 'run';
    const folder = fresh(`storm-${model}`);
    const out = join(folder, 'report.json');
    const command = model === 'start'
      ? [PYTHON, APP, 'start', 'storm', out]
      : [process.execPath, CLI, 'run', '-q', '--breadcrumbs', '20', '--on-crash', `cp "$FAULTGUARD_CONTEXT_FILE" ${out}`, '--', PYTHON, APP, 'run', 'storm'];
    const app = launch(command[0], command.slice(1), { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals'), START_OPTIONS: '{"breadcrumbs": 20}' }, deadlineMs: 60_000 });
    const pid = Number((await app.waitForLine(/^pid (\d+)$/m))[1]);
    await app.waitForLine(/^\d+$/m);
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 300));
    process.kill(pid, 'SIGKILL');
    await app.finished;
    const acknowledged = Math.max(...app.output().split('\n').filter((line) => /^\d+$/.test(line)).map(Number));
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report | CrashContext;
    const context = model === 'start' ? (report as Report).context! : (report as CrashContext);
    if (model === 'start') assert.deepEqual([(report as Report).exit.category, context.oom], ['process/kill', undefined], 'a kill -9 is not the OOM killer');
    const seqs = context.breadcrumbs!.map((crumb) => crumb.seq);
    assert.ok(seqs.at(-1)! >= acknowledged, `${model} round ${round}: breadcrumb ${acknowledged} was acknowledged, the last kept is ${seqs.at(-1)}`);
    assert.equal(seqs.length, 20, 'the ring holds the last 20');
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'in order, none missing');
    assert.equal(context.breadcrumbs!.at(-1)!.text, `step ${seqs.at(-1)}`);
  }
});

test('the last output under start(): a pipe relayed whole and its tail kept, 2>&1 as one, a file read back, a terminal left a terminal', async () => {
  const folder = fresh('stderr');
  const out = join(folder, 'report.json');
  const app = launch(PYTHON, [APP, 'start', 'stderr', out], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals'), START_OPTIONS: '{"keep_output": 1024}' }, deadlineMs: 60_000 });
  const [, pid, kind] = await app.waitForLine(/^ready (\d+) (\w+)$/m);
  assert.equal(kind, 'fifo', 'the child writes to a pipe, as it did');
  process.kill(Number(pid), 'SIGKILL');
  const result = await app.finished;
  const relayed = result.stderr.split('\n').filter((line) => line.startsWith('stderr line'));
  assert.deepEqual(relayed, Array.from({ length: 500 }, (_, i) => `stderr line ${i + 1}`), "the child's stderr reached the caller's whole, in order");
  const tail = (JSON.parse(readFileSync(out, 'utf8')) as Report).context!.output!.stderr!;
  assert.equal(tail.truncated, true);
  assert.ok(tail.text.endsWith('stderr line 499\nstderr line 500\n') && Buffer.byteLength(tail.text) <= 1024, tail.text.slice(-60));
  assert.equal(tail.bytes, relayed.reduce((sum, line) => sum + line.length + 1, 0));

  // 2>&1: one pipe for both, relayed as one, in order; the output is stderr's.
  const mixed = fresh('mixed');
  const both = await run('/bin/sh', ['-c', `${PYTHON} ${APP} start mixed ${mixed}/report.json 2>&1 | cat`], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(mixed, 'journals') }, deadlineMs: 60_000 });
  const lines = Array.from({ length: 6 }, (_, i) => `line ${i + 1} on ${i % 2 === 0 ? 'stdout' : 'stderr'}\n`).join('');
  assert.equal(both.stdout, lines);
  const output = (JSON.parse(readFileSync(join(mixed, 'report.json'), 'utf8')) as Report).context?.output;
  assert.deepEqual(output, { stderr: { text: lines, bytes: lines.length, truncated: false } });

  // Redirected to a file: the file is what the child writes to, and the tail is read back from it.
  const logged = fresh('stderr-file');
  const log = join(logged, 'err.log');
  writeFileSync(log, 'an earlier run\n');
  const toFile = launch('/bin/sh', ['-c', `exec ${PYTHON} ${APP} start stderr ${logged}/report.json 2>>${log}`], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(logged, 'journals') }, deadlineMs: 60_000 });
  const [, filePid, fileKind] = await toFile.waitForLine(/^ready (\d+) (\w+)$/m);
  assert.equal(fileKind, 'file');
  process.kill(Number(filePid), 'SIGKILL');
  await toFile.finished;
  const fileTail = (JSON.parse(readFileSync(join(logged, 'report.json'), 'utf8')) as Report).context!.output!.stderr!;
  assert.equal(fileTail.bytes, tail.bytes, 'what the child wrote, not what the file held before');
  assert.ok(fileTail.text.endsWith('stderr line 500\n') && !fileTail.text.includes('an earlier run'));

  // A terminal (script(1) makes one): the child keeps it, and nothing is kept of it.
  const terminal = fresh('stderr-tty');
  const command = `${PYTHON} ${APP} start stderr ${terminal}/report.json`;
  const session = launch('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...env, FAULTGUARD_JOURNAL_DIR: join(terminal, 'journals') }, deadlineMs: 60_000 });
  const [, ttyPid, ttyKind] = await session.waitForLine(/ready (\d+) (\w+)/);
  assert.equal(ttyKind, 'tty');
  process.kill(Number(ttyPid), 'SIGKILL');
  await session.finished;
  assert.equal((JSON.parse(readFileSync(join(terminal, 'report.json'), 'utf8')) as Report).context?.output, undefined);
});

test("a caller's stderr whose reader has gone: the child gets EPIPE where it writes, as it would have", async () => {
  for (const module of ['ours', 'unguarded'] as const) {
    const folder = fresh(`epipe-${module}`);
    // The reader of the caller's stderr exits at once; the child then writes into a pipe nobody reads.
    const program = module === 'ours' ? `${PYTHON} ${APP} start epipe ${folder}/report.json` : `${PYTHON} -c "import os\ntry:\n  n = 0\n  while True: n += os.write(2, b'x' * 4096)\nexcept BrokenPipeError: print('EPIPE after', n, 'bytes')"`;
    const result = await run('/bin/sh', ['-c', `{ ${program} 2>&1 >&3 3>&- | true; } 3>&1`], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals') }, deadlineMs: 60_000 });
    assert.match(result.stdout, /^EPIPE after \d+ bytes\n/, `${module}: ${result.stderr}`);
    if (module === 'ours') assert.equal((JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as Report).code, 3);
  }
});

test("a caller's stderr that is non-blocking and full: the relay waits for its reader, nothing is lost", async () => {
  const folder = fresh('flood');
  // The reader of the caller's stderr starts reading only after a second: the pipe fills up meanwhile.
  const command = `{ ${PYTHON} ${APP} start flood ${folder}/report.json 2>&1 >&3 3>&- | { sleep 1; cat; } > ${folder}/lines; } 3>&1`;
  const result = await run('/bin/sh', ['-c', command], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals'), NONBLOCKING_STDERR: '1' }, deadlineMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const lines = readFileSync(join(folder, 'lines'), 'utf8').split('\n').filter((line) => line.startsWith('flood line'));
  assert.equal(lines.length, 5000);
  const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as Report;
  assert.equal(report.code, 4, 'the child wrote everything and ended as it meant to');
  assert.equal(report.context?.output?.stderr?.bytes, 500_000);
});

test("a process forked from the program dies of SIGSEGV: its trace is not taken for the program's", async () => {
  const { report } = await underStart('fork-segv');
  assert.equal(report.code, -9);
  assert.equal(report.context?.nativeTrace, undefined);
  assert.deepEqual(crumbsOf(report.context), CRUMBS);
});

/** A memory cgroup of its own (v2, else v1's memory controller), or why there cannot be one here. */
function memoryCgroup(limitBytes: number): { procs: string; remove: () => void } | string {
  if (process.getuid?.() !== 0) return 'needs root to make a memory cgroup';
  const self = readFileSync('/proc/self/cgroup', 'utf8').split('\n').map((line) => line.split(':'));
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' - '));
  const v1 = self.find(([, controllers]) => controllers?.split(',').includes('memory'));
  const mount = v1
    ? mounts.find(([, right]) => right?.startsWith('cgroup ') && right.split(' ')[2]?.split(',').includes('memory'))
    : mounts.find(([, right]) => right?.startsWith('cgroup2 '));
  if (!mount) return 'no memory cgroup mount';
  const base = join(mount[0].split(' ')[4], v1 ? v1[2] : (self.find(([id]) => id === '0')?.[2] ?? '/'));
  const path = join(base, `faultguard-pytest-${process.pid}`);
  try {
    mkdirSync(path);
    writeFileSync(join(path, v1 ? 'memory.limit_in_bytes' : 'memory.max'), String(limitBytes));
  } catch (error) {
    return `cannot make a memory cgroup under ${base}: ${(error as Error).message}`;
  }
  return { procs: join(path, 'cgroup.procs'), remove: () => rmdirSync(path) };
}

test('under start(), killed by the real OOM killer in a memory-limited cgroup: the exit record and the context say so', async (t) => {
  const cgroup = memoryCgroup(200 * 1024 * 1024);
  if (typeof cgroup === 'string') return t.skip(cgroup);
  try {
    const folder = fresh('oom');
    const file = join(folder, 'app.fgsave');
    const command = `echo $$ > ${cgroup.procs} && exec ${PYTHON} ${APP} start memory ${folder}/report.json ${file}`;
    const result = await run('/bin/sh', ['-c', command], { env: { ...env, FAULTGUARD_JOURNAL_DIR: join(folder, 'journals') }, deadlineMs: 120_000 });
    assert.equal(result.code, 0, `the guard outlived its child: ${result.stderr}`);
    const report = JSON.parse(readFileSync(join(folder, 'report.json'), 'utf8')) as Report;
    assert.deepEqual([report.code, report.exit.signal, report.exit.category, report.exit.reason], [-9, 'SIGKILL', 'limit/memory', "killed by the kernel's out-of-memory killer (SIGKILL)"]);
    assert.match(report.context?.oom?.evidence ?? '', /^the kernel log: .*Killed process \d+ |^the oom_kill counter of its memory cgroup rose/);
    const header = JSON.parse((await run(process.execPath, [CLI, 'inspect', '--json', file])).stdout).header;
    assert.deepEqual([header.exit.category, header.context.oom], ['limit/memory', report.context?.oom]);
  } finally {
    cgroup.remove();
  }
});

test('autosaves without a context still read; a context of the wrong shape is refused by recover() as by the CLI', async () => {
  // A run that leaves nothing to say why: no breadcrumb, no error, no output kept. Its header has no context.
  const folder = fresh('quiet');
  const file = join(folder, 'app.fgsave');
  const { report } = await underStart('quiet', { autosave: file, folder, start: { keep_output: 0 } });
  assert.equal(report.context, null);
  const header = JSON.parse((await run(process.execPath, [CLI, 'inspect', '--json', file])).stdout).header;
  assert.equal('context' in header, false);
  assert.doesNotMatch((await run(process.execPath, [CLI, 'inspect', file])).stdout, /Why it died/);

  // An autosave of the TypeScript guard from before crash contexts, then the corpus's contexts of the wrong shape.
  const corpus = new Corpus(await killedRunAutosave(folder, 'typescript'));
  const cases: Array<[string, Buffer, RegExp | null]> = [
    ['old', corpus.withHeader((h) => delete (h as { context?: unknown }).context), null],
    ['newer fields and astral text', corpus.withHeader((h) => Object.assign(h, { context: { format: 2, later: { x: 1 }, breadcrumbs: [{ seq: 1, time: 0, text: '😀'.repeat(256), mood: 'fine' }] } })), null],
    ['astral text over the limit', corpus.withHeader((h) => Object.assign(h, { context: { format: 1, breadcrumbs: [{ seq: 1, time: 0, text: '😀'.repeat(257) }] } })), /context\.breadcrumbs is not a list of at most 1000 breadcrumbs/],
    ...corpus.hostile().filter((c) => c.name.startsWith('a crash context')).map((c): [string, Buffer, RegExp | null] => [c.name, c.bytes, c.message ?? null]),
  ];
  for (const [name, bytes, refusal] of cases) {
    const caseFolder = fresh('case');
    const caseFile = join(caseFolder, 'case.fgsave');
    writeFileSync(caseFile, bytes);
    // Accessed a minute ago: recover() judges a file that is not Faultguard's by its access time, as the original does.
    utimesSync(caseFile, Date.now() / 1000 - 60, Date.now() / 1000 - 60);
    const cli = await run(process.execPath, [CLI, 'inspect', '--json', caseFile]);
    const python = await run(PYTHON, ['-c', `import faultguard, sys\ntry: faultguard.recover(lambda data: print(len(data), data.context is None), sys.argv[1])\nexcept faultguard.AutosaveError as error: print(error)`, caseFile], { env, deadlineMs: 60_000 });
    if (refusal === null) {
      assert.equal(cli.code, 0, `${name}: ${cli.stderr}`);
      assert.equal(python.stdout, `3 ${name === 'old' ? 'True' : 'False'}\n`, `${name}: ${python.stderr}`);
    } else {
      assert.match(cli.stderr, refusal, `${name}: the CLI refuses it`);
      assert.match(python.stdout, new RegExp(`^${caseFile}: Recovery unsuccessful: ${caseFile}: autosave header is malformed: ${refusal.source}`), `${name}: ${python.stdout}${python.stderr}`);
    }
  }
});

test("the Python reader's checks of a context are the reference's, problem for problem (SPEC §10.6)", async () => {
  const astral = (units: number) => '😀'.repeat(units / 2);
  const error = { kind: 'exception', type: 'ValueError', message: 'm', stack: 's', time: 1 };
  const contexts: unknown[] = [
    { format: 1 }, { format: 2, later: [1] }, { format: 0 }, { format: '1' }, { format: 1.5 }, {}, 'text', [], null,
    { format: 1, error }, { format: 1, error: null }, { format: 1, error: [] }, { format: 1, error: { ...error, type: null } },
    { format: 1, error: { kind: 'x'.repeat(65), message: astral(4096), time: 0 } }, { format: 1, error: { kind: 'k', message: astral(4098), time: 0 } },
    { format: 1, error: { ...error, stack: astral(16386), time: '0' } }, { format: 1, error: { ...error, type: 'T'.repeat(257), extra: {} } },
    { format: 1, report: { event: 'e', stack: '', heap: { used: 1, total: 2 } } }, { format: 1, report: { event: 'e', stack: '', heap: { used: 1, total: 2, limit: -1 } } },
    { format: 1, report: { event: 5 } }, { format: 1, nativeTrace: { source: 'faulthandler', text: astral(65536) } }, { format: 1, nativeTrace: { text: 't' } },
    { format: 1, nativeTrace: 'trace' }, { format: 1, oom: { evidence: 'e'.repeat(256) } }, { format: 1, oom: { evidence: 'e'.repeat(257) } }, { format: 1, oom: [] },
    { format: 1, output: { stderr: { text: astral(65536), bytes: 9007199254740991, truncated: true } } }, { format: 1, output: [] },
    { format: 1, output: { stdout: { text: '', bytes: 1.5, truncated: false }, stderr: { text: '', bytes: 0 } } }, { format: 1, output: { other: 1 } },
    { format: 1, breadcrumbs: [] }, { format: 1, breadcrumbs: Array.from({ length: 1000 }, (_, seq) => ({ seq, time: 0.5, text: astral(512) })) },
    { format: 1, breadcrumbs: Array.from({ length: 1001 }, (_, seq) => ({ seq, time: 0, text: '' })) }, { format: 1, breadcrumbs: [{ seq: 1, time: 0, text: astral(514) }] },
    { format: 1, breadcrumbs: [{ seq: 2 ** 53, time: 0, text: '' }] }, { format: 1, breadcrumbs: [{ seq: 1, text: '' }] }, { format: 1, breadcrumbs: {} },
    { format: 1, hang: { watchdogSeconds: 5, silentSeconds: 6.5, trace: 't' } }, { format: 1, hang: { watchdogSeconds: 5 } },
    { format: 1, hang: { watchdogSeconds: 5, silentSeconds: 6, trace: null } }, { format: 1, hang: { watchdogSeconds: 5, silentSeconds: 6, trace: astral(16386) } },
    { format: 1, error: { kind: 1, message: 2, time: null }, oom: {}, output: { stderr: 1 }, breadcrumbs: [null], hang: [] },
  ];
  const cases = join(fresh('checks'), 'contexts.json');
  writeFileSync(cases, JSON.stringify(contexts));
  const script = 'import json, sys\nfrom faultguard._crash_context import context_problem\nprint(json.dumps([context_problem(c) for c in json.load(open(sys.argv[1]))]))';
  const result = await run(PYTHON, ['-c', script, cases], { env, deadlineMs: 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const theirs = JSON.parse(result.stdout) as Array<string | null>;
  contexts.forEach((context, i) => assert.equal(theirs[i], crashContextProblem(context) ?? null, `case ${i}: ${JSON.stringify(context).slice(0, 120)}`));
  assert.ok(theirs.filter((problem) => problem === null).length >= 8 && theirs.filter((problem) => problem !== null).length >= 20, 'both kinds are there');
});
