// The editor's recovery service (extension/dist/service.js) as a client meets it: started as its
// own process, spoken to over stdio JSON-RPC, shown autosaves of real guarded runs that were
// really killed, and the corrupt corpus. What it shows is compared with the CLI's own output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import { crc32, decodeAutosaveHeader, encodeAutosaveHead, listBlocks, previousGenerationPath } from '@faultguard/protocol';
import {
  DiscardRunRequest,
  PAGE_BYTES,
  ReadRunRequest,
  ReadValueRequest,
  RecoverRunRequest,
  SaveValueRequest,
  WHOLE_VALUE_BYTES,
  type RunSummary,
  type RunsSnapshot,
  type ServiceSettings,
  type ValueView,
} from '@faultguard/protocol/recovery-service';
import type { AutosaveProblem } from '@faultguard/runtime';
import { Corpus, killedRunAutosave, specialFiles, storedStreamDamage, writeCases, type CorpusCase } from './helpers/autosave-corpus';
import { CLI, fixture, launch, run, temporaryDirectory, type Running } from './helpers/processes';
import { startRecoveryService, type RecoveryService } from './helpers/recovery-service';
import { SEGV_NODE_OPTIONS } from './fixtures/crash';

const dir = temporaryDirectory();
after(dir.remove);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
// The trash of discardRun's `trash` (freedesktop.org's, under XDG_DATA_HOME): this file's own. The services inherit it.
process.env.XDG_DATA_HOME = join(dir.path, 'xdg-data');
const LIMIT = 1024 ** 3;
const services: RecoveryService[] = [];
after(() => Promise.all(services.map((service) => service.stop())));

/** A service watching `folders`, stopped after the file's tests whatever happens. */
async function serviceFor(folders: string[], settings: Partial<ServiceSettings> = {}, prefix: string[] = []): Promise<RecoveryService> {
  const service = await startRecoveryService(prefix);
  services.push(service);
  service.configure({ folders, maxInspectedBytes: LIMIT, ...settings });
  return service;
}

function folder(name: string): string {
  const path = join(dir.path, name);
  mkdirSync(path, { recursive: true });
  return path;
}

const runOf = (snapshot: RunsSnapshot, file: string): RunSummary | undefined => snapshot.runs.find((run) => run.file === file);
const cliRaw = (file: string, key: string): Buffer => spawnSync(process.execPath, [CLI, 'inspect', '--raw', file, key], { env, maxBuffer: 64 * 1024 * 1024 }).stdout;

/** A crash-app or values-app run with its autosave at `file`, ended as `how` says. */
async function crashedRun(app: 'crash-app' | 'values-app', how: string, file: string, extra: NodeJS.ProcessEnv = {}, nodeOptions: string[] = []): Promise<void> {
  const result = await run(process.execPath, [...nodeOptions, fixture(app), how], { env: { ...env, AUTOSAVE: file, ...extra }, deadlineMs: 60_000 });
  assert.ok(result.code !== 0, `${app} ${how} failed: ${result.code ?? result.signal}\n${result.stderr}`);
}

/** The rejection of a request: a ResponseError naming the file, with one of `problems`. */
async function assertRefused(answer: Promise<unknown>, file: string, problems: readonly AutosaveProblem[] | readonly string[], message?: RegExp): Promise<void> {
  await assert.rejects(answer, (error: unknown) => {
    assert.ok(error instanceof ResponseError, `a ResponseError, not ${String(error)}`);
    assert.ok(error.message.startsWith(`${file}: `), `the message names the file: ${error.message}`);
    const { problem } = error.data as { problem: string };
    assert.ok((problems as readonly string[]).includes(problem), `${problem} for ${error.message}`);
    if (message) assert.match(error.message, message);
    return true;
  });
}

/** The bytes a view shows: a hex dump read back, text as UTF-8 (JSON is compared parsed, by the caller). */
function bytesShown(view: ValueView): Buffer {
  if (view.rendering === 'text') return Buffer.from(view.text, 'utf8');
  assert.equal(view.rendering, 'hex');
  const rows = view.text.trimEnd().split('\n').filter((row) => row !== '');
  return Buffer.from(rows.map((row) => row.slice(10, 57).replaceAll(' ', '')).join(''), 'hex');
}

/** A view of a value agrees with `faultguard inspect --raw`: the same bytes, or the same JSON. */
function assertShows(view: ValueView, raw: Buffer, what: string): void {
  assert.equal(view.size, raw.length, `${what}: size`);
  if (view.rendering === 'json') {
    assert.equal(view.shownBytes, raw.length, `${what}: JSON is shown whole`);
    assert.deepEqual(JSON.parse(view.text), JSON.parse(raw.toString('utf8')), `${what}: the same JSON`);
    assert.equal(view.text, `${JSON.stringify(JSON.parse(raw.toString('utf8')), null, 2)}\n`, `${what}: pretty-printed`);
    return;
  }
  if (view.encoding === 'json' && view.rendering === 'text') {
    // A JSON string is shown as its text: all of it, or (a partial page) its beginning.
    const value = JSON.parse(raw.toString('utf8')) as string;
    assert.ok(view.shownBytes === raw.length ? view.text === value : view.text.length > 0 && value.startsWith(view.text), `${what}: the string's text`);
    return;
  }
  const shown = bytesShown(view);
  // A page of text ends at a whole character: up to 3 bytes of a cut one are not shown.
  assert.ok(view.shownBytes - shown.length <= 3 && view.shownBytes - shown.length >= 0, `${what}: ${shown.length} of ${view.shownBytes} bytes shown`);
  assert.ok(shown.equals(raw.subarray(0, shown.length)), `${what}: the bytes as stored`);
}

describe('crashed runs found at start-up', () => {
  const saves = join(dir.path, 'crashed');
  const files = { values: join(saves, 'values.fgsave'), segv: join(saves, 'segv.fgsave'), big: join(saves, 'big.fgsave') };
  let service: RecoveryService;
  let snapshot: RunsSnapshot;

  before(async () => {
    mkdirSync(saves);
    await Promise.all([
      crashedRun('values-app', 'kill', files.values),
      crashedRun('crash-app', 'segv', files.segv, { LOG_LINES: '20000', NOISE_KIB: '300' }, SEGV_NODE_OPTIONS),
      // A JSON string a little over WHOLE_VALUE_BYTES: 25 bytes a line, as JSON.
      crashedRun('crash-app', 'exit3', files.big, { LOG_LINES: String(Math.ceil(WHOLE_VALUE_BYTES / 25) + 1000) }),
    ]);
    service = await serviceFor([saves]);
    snapshot = await service.waitForSnapshot('the three crashed runs', (s) => s.runs.length === 3 && s.runs.every((r) => r.state === 'crashed'));
  });

  test('listed crashed with the reason, and announced as found at start-up', async () => {
    const reasons = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, runOf(snapshot, file)?.reason]));
    assert.deepEqual(reasons, { values: 'killed (SIGKILL)', segv: 'segmentation fault (SIGSEGV)', big: 'exited with code 3' });
    for (const run of snapshot.runs) {
      assert.equal(run.folder, saves);
      assert.equal(run.active, false);
      assert.equal(run.header?.state, 'exited');
    }
    assert.deepEqual(snapshot.problems, []);
    for (const file of Object.values(files)) await service.waitForCrash(`runCrashed for ${file}`, (event) => event.run.file === file);
    assert.deepEqual(service.crashes.map((event) => event.discovered), ['startup', 'startup', 'startup'], 'each announced once, as found at start-up');
  });

  test('readRun: the keys with their encodings and sizes, as faultguard inspect lists them', async () => {
    for (const file of Object.values(files)) {
      const contents = await service.request(ReadRunRequest, { file });
      const inspected = JSON.parse(spawnSync(process.execPath, [CLI, 'inspect', '--json', file], { env, encoding: 'utf8' }).stdout) as { keys: unknown };
      assert.deepEqual({ ...contents, keys: contents.keys.map(({ fileName: _, ...key }) => key) }, { file, keys: inspected.keys, generation: 'newest' });
    }
    const { keys } = await service.request(ReadRunRequest, { file: files.values });
    assert.deepEqual(new Set(keys.map((key) => key.encoding)), new Set(['json', 'bytes', 'python-pickle']));
  });

  test('readValue: every value of every run, page and whole, agrees byte for byte with inspect --raw', async () => {
    for (const file of Object.values(files)) {
      for (const { key, size } of (await service.request(ReadRunRequest, { file })).keys) {
        const raw = cliRaw(file, key);
        assertShows(await service.request(ReadValueRequest, { file, key, extent: 'page' }), raw, `page of ${key} in ${file}`);
        if (size <= WHOLE_VALUE_BYTES) assertShows(await service.request(ReadValueRequest, { file, key, extent: 'whole' }), raw, `${key} in ${file}, whole`);
      }
    }
  });

  test('readValue: JSON pretty-printed, text as text, bytes and opaque values as hex', async () => {
    const view = (key: string) => service.request(ReadValueRequest, { file: files.values, key, extent: 'page' });
    assert.deepEqual(await view('object'), { encoding: 'json', rendering: 'json', text: `${JSON.stringify({ nested: { deeper: ['a', 'b'] }, empty: {} }, null, 2)}\n`, size: 42, shownBytes: 42, start: 0, page: 0, pages: 1 });
    assert.deepEqual(await view('text bytes'), { encoding: 'bytes', rendering: 'text', text: 'plain text\nsecond line\n', size: 23, shownBytes: 23, start: 0, page: 0, pages: 1 });
    assert.deepEqual(await view('bytes'), { encoding: 'bytes', rendering: 'hex', text: `00000000  00 01 02 fe ff${' '.repeat(35)}|.....|\n`, size: 5, shownBytes: 5, start: 0, page: 0, pages: 1 });
    const pickled = await view('pickled');
    assert.equal(pickled.encoding, 'python-pickle');
    assert.match(pickled.text, /^00000000  80 04 95 05/);
  });

  test('readValue: a value over PAGE_BYTES shows its first page; whole shows it all, up to WHOLE_VALUE_BYTES', async () => {
    const log = await service.request(ReadValueRequest, { file: files.segv, key: 'log', extent: 'page' });
    assert.equal(log.rendering, 'text', 'a cut JSON string is shown as its text so far');
    assert.ok(log.text.startsWith('a log line that repeats\na log line'));
    assert.equal(log.size, 20000 * 25 + 2, 'a JSON string of 20000 lines: 25 bytes each, with its \\n');
    assert.equal(log.shownBytes, PAGE_BYTES);
    const noise = await service.request(ReadValueRequest, { file: files.segv, key: 'noise', extent: 'page' });
    assert.deepEqual([noise.rendering, noise.size, noise.shownBytes], ['hex', 300 * 1024, PAGE_BYTES]);
    const whole = await service.request(ReadValueRequest, { file: files.segv, key: 'noise', extent: 'whole' });
    assert.equal(whole.shownBytes, 300 * 1024);
    assert.ok(bytesShown(whole).equals(cliRaw(files.segv, 'noise')));
    const bigPage = await service.request(ReadValueRequest, { file: files.big, key: 'log', extent: 'page' });
    assert.ok(bigPage.size > WHOLE_VALUE_BYTES && bigPage.shownBytes === PAGE_BYTES);
    await assertRefused(service.request(ReadValueRequest, { file: files.big, key: 'log', extent: 'whole' }), files.big, ['too-large'], /more than can be shown whole \(16 MiB\); save it to a file instead/);
    await assertRefused(service.request(ReadValueRequest, { file: files.values, key: 'nope', extent: 'page' }), files.values, ['invalid'], /has no key "nope"/);
  });

  test('saveValue: the exact bytes, however large', async () => {
    for (const [file, key] of [[files.values, 'pickled'], [files.values, 'empty bytes'], [files.segv, 'noise'], [files.big, 'log']]) {
      const target = join(dir.path, `saved-${readdirSync(dir.path).length}`);
      const { bytes } = await service.request(SaveValueRequest, { file, key, target });
      const raw = cliRaw(file, key);
      assert.equal(bytes, raw.length);
      assert.ok(readFileSync(target).equals(raw), `${key} saved byte for byte`);
    }
  });

  test('recoverRun: the files faultguard recover writes, in the folder asked for; never into one that is not empty', async () => {
    const into = join(folder('recovered'), 'values');
    const byCli = join(dir.path, 'recovered-by-cli');
    const cli = await run(process.execPath, [CLI, 'recover', files.values, '--out', byCli], { env });
    assert.equal(cli.code, 0, cli.stderr);
    const first = await service.request(RecoverRunRequest, { file: files.values, folder: into });
    assert.equal(first.folder, into);
    const names = readdirSync(byCli).sort();
    assert.deepEqual(readdirSync(first.folder).sort(), names);
    for (const name of names) assert.ok(readFileSync(join(first.folder, name)).equals(readFileSync(join(byCli, name))), `${name} as the CLI writes it`);
    const index = JSON.parse(readFileSync(join(byCli, 'index.json'), 'utf8')) as Array<{ key: string; file: string }>;
    assert.deepEqual(first.files, index);
    const { keys } = await service.request(ReadRunRequest, { file: files.values });
    assert.deepEqual(keys.map((key) => [key.key, key.fileName]), index.map((entry) => [entry.key, entry.file]), 'readRun names the files recover writes');
    await assertRefused(service.request(RecoverRunRequest, { file: files.values, folder: into }), into, ['failed'], /not empty; not writing over anything/);
    assert.deepEqual(readdirSync(into).sort(), names, 'the first recovery is left as it was');
  });

  test('discardRun: both generations go, and the run leaves the snapshot', async () => {
    assert.ok(existsSync(previousGenerationPath(files.values)), 'the run saved more than once');
    const { removed } = await service.request(DiscardRunRequest, { file: files.values });
    assert.deepEqual(new Set(removed), new Set([files.values, previousGenerationPath(files.values)]));
    assert.ok(!existsSync(files.values) && !existsSync(previousGenerationPath(files.values)));
    await service.waitForSnapshot('the discarded run gone', (s) => !runOf(s, files.values) && s.runs.length === 2);
    assert.equal(runOf(await service.listRuns(), files.values), undefined);
    await assertRefused(service.request(ReadRunRequest, { file: files.values }), files.values, ['missing']);
  });
});

describe('live runs', () => {
  const saves = join(dir.path, 'live');
  let service: RecoveryService;
  const guards: Running[] = [];
  after(() => guards.forEach((guard) => killGroup(guard.pid)));

  before(async () => {
    mkdirSync(saves);
    service = await serviceFor([saves]);
    await service.waitForSnapshot('the first, empty snapshot', (s) => s.runs.length === 0);
  });

  /** `faultguard run --autosave saves/ -- node values-app wait`, once the service lists it active. */
  async function liveRun(): Promise<{ guard: Running; programPid: number; file: string }> {
    const guard = launch(process.execPath, [CLI, 'run', '--autosave', `${saves}/`, '--', process.execPath, fixture('values-app'), 'wait'], { env, deadlineMs: 60_000 });
    guards.push(guard);
    const programPid = Number((await guard.waitForLine(/ready (\d+)/))[1]);
    const snapshot = await service.waitForSnapshot(`run of guard ${guard.pid} active`, (s) => s.runs.some((r) => r.header?.writer.pid === guard.pid && r.state === 'active'));
    return { guard, programPid, file: snapshot.runs.find((r) => r.header?.writer.pid === guard.pid)!.file };
  }

  test('listed active; kill -9 of the program: crashed, announced as seen live', async () => {
    const { guard, programPid, file } = await liveRun();
    const active = runOf(await service.listRuns(), file)!;
    assert.deepEqual([active.active, active.header?.program.pid], [true, programPid]);
    assert.match(active.reason, new RegExp(`guard ${guard.pid} is running`));
    await assertRefused(service.request(DiscardRunRequest, { file }), file, ['live'], /belongs to a live run/);
    await assertRefused(service.request(RecoverRunRequest, { file, folder: join(dir.path, 'never') }), file, ['live'], /belongs to a live run/);
    assert.ok(existsSync(file), 'a live run keeps its autosave');
    process.kill(programPid, 'SIGKILL');
    const event = await service.waitForCrash('runCrashed of the killed program', (e) => e.run.file === file);
    assert.deepEqual([event.discovered, event.run.state, event.run.reason, event.run.active], ['live', 'crashed', 'killed (SIGKILL)', false]);
    await service.waitForSnapshot('the run crashed', (s) => runOf(s, file)?.state === 'crashed');
  });

  test('kill -9 of the guard: orphaned, found by the periodic re-judging', async () => {
    const { guard, file } = await liveRun();
    process.kill(guard.pid, 'SIGKILL'); // the guard only: no file changes, the program lives on
    await guard.exited;
    const event = await service.waitForCrash('runCrashed of the orphaned run', (e) => e.run.file === file);
    assert.deepEqual([event.discovered, event.run.state], ['live', 'orphaned']);
    assert.match(event.run.reason, /no longer exists/);
    killGroup(guard.pid);
  });
});

describe('watched folders', () => {
  test('a folder missing at configure time, created later, then given an autosave: the run appears', async () => {
    const later = join(dir.path, 'later');
    const service = await serviceFor([later]);
    const first = await service.waitForSnapshot('the first snapshot', () => true);
    assert.deepEqual(first, { runs: [], problems: [] }, 'a missing folder is waited for, not a problem');
    mkdirSync(later); // at once: while the watcher may still be setting up
    const file = join(later, 'late.fgsave');
    await crashedRun('crash-app', 'kill', file);
    const snapshot = await service.waitForSnapshot('the run in the new folder', (s) => runOf(s, file)?.state === 'crashed');
    assert.equal(runOf(snapshot, file)?.reason, 'killed (SIGKILL)');
    await service.waitForCrash('its announcement', (e) => e.run.file === file && e.discovered === 'live');
  });

  test('a folder that is a file: a problem naming it', async () => {
    const file = join(folder('plain'), 'not-a-folder.fgsave');
    writeFileSync(file, 'text');
    const service = await serviceFor([file]);
    const snapshot = await service.waitForSnapshot('a problem', (s) => s.problems.length > 0);
    assert.deepEqual(snapshot, { runs: [], problems: [{ folder: file, message: `${file}: not a folder` }] });
  });

  test('a folder the user may not read: a problem naming it (checked as an unprivileged user when run as root)', async () => {
    const parent = folder('private-parent');
    const secret = folder('private-parent/secret');
    chmodSync(dir.path, 0o755);
    chmodSync(parent, 0o755);
    chmodSync(secret, 0o000);
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const service = await serviceFor([secret], {}, asUser);
    const snapshot = await service.waitForSnapshot('a problem', (s) => s.problems.length > 0);
    assert.deepEqual(snapshot.problems, [{ folder: secret, message: `${secret}: permission denied` }]);
  });
});

describe('the corrupt corpus', () => {
  const MAX_INSPECTED = 10 * 1024 * 1024;
  const corpusRoot = join(dir.path, 'corpus');
  const groups: Array<{ folder: string; cases: CorpusCase[]; files: string[] }> = [];
  let service: RecoveryService;
  let snapshot: RunsSnapshot;
  let generations: { fileData: string; fileHead: string };

  before(async () => {
    mkdirSync(corpusRoot);
    const original = await killedRunAutosave(corpusRoot, 'real');
    const corpus = new Corpus(original);
    const streams = await killedRunAutosave(corpusRoot, 'streams', { NOISE_KIB: '256' });
    const named: Record<string, CorpusCase[]> = {
      truncated: corpus.truncations(),
      flipped: corpus.flips(),
      hostile: corpus.hostile().map((c, i) => ({ ...c, name: `hostile-${i}` })),
      stored: storedStreamDamage(streams),
      limits: [corpus.declaredTooLarge(MAX_INSPECTED), ...corpus.xzBombs(MAX_INSPECTED)],
    };
    for (const [name, cases] of Object.entries(named)) groups.push({ folder: join(corpusRoot, name), cases, files: writeCases(join(corpusRoot, name), cases) });
    generations = damagedNewest(join(corpusRoot, 'generations'), corpus);
    const special = specialFiles(join(corpusRoot, 'special'), original);
    groups.push({ folder: join(corpusRoot, 'special'), files: special.map((s) => s.file), cases: special.map((s, i) => ({ name: `special-${i}`, bytes: Buffer.alloc(0), problems: ['unreadable'], message: s.message })) });
    service = await serviceFor([...groups.map((g) => g.folder), join(corpusRoot, 'generations')], { maxInspectedBytes: MAX_INSPECTED });
    const count = groups.reduce((sum, g) => sum + g.files.length, 2);
    snapshot = await service.waitForSnapshot(`all ${count} corpus files listed`, (s) => s.runs.length === count, 20_000);
  });

  test('every case: listed unreadable with its reason, or refused on reading with a message naming the file', async () => {
    let unreadable = 0;
    for (const { cases, files } of groups) {
      for (const [i, corpusCase] of cases.entries()) {
        const file = files[i];
        const listed = runOf(snapshot, file);
        assert.ok(listed, `${file} listed`);
        if (listed.state === 'unreadable') {
          unreadable++;
          assert.equal(listed.header, undefined);
          if (corpusCase.message) assert.match(`${file}: ${listed.reason}`, corpusCase.message);
          continue;
        }
        // Only the data is damaged (or the header is a claim): reading must say so, and give nothing.
        await assertRefused(service.request(ReadRunRequest, { file }, 5000), file, corpusCase.problems, corpusCase.message);
      }
    }
    assert.ok(unreadable > 1000, `most head damage is seen on listing (${unreadable})`);
    assert.equal((await service.listRuns()).runs.length, snapshot.runs.length, 'the service still answers');
    assert.equal(await Promise.race([service.exited, new Promise((resolve) => setTimeout(resolve, 100, 'running'))]), 'running');
  });

  test('a damaged newest generation: read from .prev, saying why', async () => {
    const data = await service.request(ReadRunRequest, { file: generations.fileData });
    assert.equal(data.generation, 'previous');
    assert.match(data.fallback ?? '', new RegExp(`^${generations.fileData}: damaged data|^${generations.fileData}: data checksum mismatch`));
    assert.deepEqual(data.keys.map((k) => k.key), ['text', 'numbers', 'binary']);
    const listedHead = runOf(snapshot, generations.fileHead)!;
    assert.equal(listedHead.state, 'crashed', 'judged from the previous generation');
    assert.match(listedHead.newestProblem ?? '', /checksum/);
    const head = await service.request(ReadRunRequest, { file: generations.fileHead });
    assert.deepEqual([head.generation, head.keys.length], ['previous', 3]);
    const value = await service.request(ReadValueRequest, { file: generations.fileHead, key: 'text', extent: 'whole' });
    assert.deepEqual([value.rendering, value.text], ['text', 'héllo wörld'], 'a JSON string shown as its text');
  });
});

/** Two autosaves whose `.prev` is the real file: one with a bit of its data flipped, one with its header's checksum broken. */
function damagedNewest(where: string, corpus: Corpus): { fileData: string; fileHead: string } {
  const [fileData, fileHead] = writeCases(where, [
    { name: 'data-damaged', bytes: Buffer.from(corpus.original), problems: [] },
    { name: 'head-damaged', bytes: Buffer.from(corpus.original), problems: [] },
  ]);
  for (const file of [fileData, fileHead]) writeFileSync(previousGenerationPath(file), corpus.original);
  const dataBytes = Buffer.from(corpus.original);
  dataBytes[corpus.dataOffset + 40] ^= 0x10;
  writeFileSync(fileData, dataBytes);
  const headBytes = Buffer.from(corpus.original);
  headBytes[corpus.dataOffset - 1] ^= 0x01; // the header's CRC
  writeFileSync(fileHead, headBytes);
  return { fileData, fileHead };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
}

describe('reading by the record index (SPEC §7.9)', () => {
  const saves = join(dir.path, 'indexed');
  const damagedSaves = join(dir.path, 'indexed-damaged');
  let service: RecoveryService;
  let file: string;

  before(async () => {
    mkdirSync(saves);
    mkdirSync(damagedSaves);
    // A JSON string of 120,000 lines (3 MB, its \n escapes cut by page boundaries) and 2 MiB of random bytes.
    file = join(saves, 'big.fgsave');
    const result = await run(process.execPath, [fixture('crash-app'), 'kill'], { env: { ...env, AUTOSAVE: file, LOG_LINES: '120000', NOISE_KIB: '2048' }, deadlineMs: 120_000 });
    assert.equal(result.signal, 'SIGKILL', result.stderr);
    service = await serviceFor([saves, damagedSaves]);
    await service.waitForSnapshot('the run listed', (s) => runOf(s, file)?.state === 'crashed');
  });

  test('every page of a value, in order, reads as the whole value; saveValue streams it byte for byte', async () => {
    const { keys } = await service.request(ReadRunRequest, { file });
    assert.deepEqual(keys.map((k) => k.key), ['text', 'numbers', 'binary', 'log', 'noise']);
    const raw = cliRaw(file, 'log');
    const first = await service.request(ReadValueRequest, { file, key: 'log', extent: 'page' });
    assert.ok(first.pages > 10, `${first.pages} pages`);
    let text = '';
    let next = 0;
    for (let page = 0; page < first.pages; page++) {
      const view = await service.request(ReadValueRequest, { file, key: 'log', extent: 'page', page });
      assert.deepEqual([view.rendering, view.page, view.start], ['text', page, next], `page ${page + 1}`);
      text += view.text;
      next = view.start + view.shownBytes;
    }
    assert.equal(next, raw.length);
    assert.equal(text, JSON.parse(raw.toString('utf8')));
    const noise = await service.request(ReadValueRequest, { file, key: 'noise', extent: 'page', page: 1 });
    assert.deepEqual([noise.rendering, noise.start], ['hex', PAGE_BYTES]);
    assert.match(noise.text, /^00040000  /);
    const target = join(dir.path, 'noise-saved.bin');
    assert.equal((await service.request(SaveValueRequest, { file, key: 'noise', target })).bytes, 2048 * 1024);
    assert.ok(readFileSync(target).equals(cliRaw(file, 'noise')));
  });

  test('a damaged block: the keys are listed from the index, the page that needs it is refused, naming the file, and so is saving the value', async () => {
    const damaged = join(damagedSaves, 'big.fgsave');
    const bytes = readFileSync(file);
    bytes[bytes.length - 1024 * 1024] ^= 0x01; // inside the random value's stored blocks
    writeFileSync(damaged, bytes);
    await service.waitForSnapshot('the damaged copy listed', (s) => runOf(s, damaged) !== undefined);
    const { keys, generation } = await service.request(ReadRunRequest, { file: damaged });
    assert.deepEqual([keys.length, generation], [5, 'newest'], 'the header and its index are intact');
    const { pages } = await service.request(ReadValueRequest, { file: damaged, key: 'noise', extent: 'page' });
    const refused: number[] = [];
    for (let page = 0; page < pages; page++) {
      await service.request(ReadValueRequest, { file: damaged, key: 'noise', extent: 'page', page }).catch((error: ResponseError<{ problem: string }>) => {
        assert.ok(error.message.startsWith(`${damaged}: `), error.message);
        assert.equal(error.data?.problem, 'invalid');
        refused.push(page);
      });
    }
    assert.ok(refused.length > 0, 'the page that holds the damaged byte is refused');
    // Read whole since then (no previous generation here): every request about it is refused.
    await assertRefused(service.request(ReadRunRequest, { file: damaged }), damaged, ['invalid'], /damaged data|checksum/);
    const target = join(dir.path, 'never-saved.bin');
    await assertRefused(service.request(SaveValueRequest, { file: damaged, key: 'noise', target }), damaged, ['invalid']);
    assert.equal(existsSync(target), false, 'nothing is left of a save that failed');
  });

  test('an index that lies about two sizes (adding up, its header checksum made anew): the record prefix refuses the page, and the file is read whole', async () => {
    const lying = join(damagedSaves, 'lying.fgsave');
    const bytes = readFileSync(file);
    const { header, dataOffset } = decodeAutosaveHeader(bytes);
    const records = header.data.index!.records.map(([key, tag, size]) => [key, tag, key === 'log' ? size + 1000 : key === 'noise' ? size - 1000 : size] as const);
    writeFileSync(lying, Buffer.concat([encodeAutosaveHead({ ...header, data: { ...header.data, index: { version: 1, records } } }, dataOffset - 16), bytes.subarray(dataOffset)]));
    await service.waitForSnapshot('the lying copy listed', (s) => runOf(s, lying) !== undefined);
    assert.equal((await service.request(ReadRunRequest, { file: lying })).keys.find((k) => k.key === 'noise')?.size, 2048 * 1024 - 1000, 'listed as the index says');
    // The page is not taken from the wrong place: the whole read that follows gives the true bytes.
    const page = await service.request(ReadValueRequest, { file: lying, key: 'noise', extent: 'page', page: 1 });
    assert.ok(bytesShown(page).equals(cliRaw(file, 'noise').subarray(PAGE_BYTES, 2 * PAGE_BYTES)), 'the true second page');
    assert.equal((await service.request(ReadRunRequest, { file: lying })).keys.find((k) => k.key === 'noise')?.size, 2048 * 1024, 'read whole since');
  });

  test('a record damaged inside a block whose own check is made anew: saving the value is refused by the record\'s checksum, and leaves nothing', async () => {
    const forged = join(damagedSaves, 'forged.fgsave');
    const bytes = readFileSync(file);
    const { dataOffset } = decodeAutosaveHeader(bytes);
    // A stored block (CRC32 check) of the random value: a byte of its data changed, the block's check recomputed.
    const block = listBlocks((offset, length) => bytes.subarray(offset, offset + length), dataOffset, bytes.length).filter((b) => b.flags[1] === 0x01 && b.size === 1024 * 1024).at(-1)!;
    const payload: Buffer[] = [];
    for (let at = block.start + 12; bytes[at] !== 0x00; at += 3 + bytes.readUInt16BE(at + 1) + 1) payload.push(bytes.subarray(at + 3, at + 3 + bytes.readUInt16BE(at + 1) + 1));
    bytes[block.start + 12 + 3 + 100] ^= 0x01;
    bytes.writeUInt32LE(crc32(Buffer.concat(payload)), block.start + block.totalSize - 4);
    writeFileSync(forged, bytes);
    await service.waitForSnapshot('the forged copy listed', (s) => runOf(s, forged) !== undefined);
    const target = join(dir.path, 'forged-saved.bin');
    await assertRefused(service.request(SaveValueRequest, { file: forged, key: 'noise', target }), forged, ['invalid'], /fails its checksum/);
    assert.equal(existsSync(target), false, 'nothing is left of a save that failed');
  });

  test('discardRun with trash: the file goes to the trash with its .trashinfo; a name taken there is not written over', async () => {
    const damaged = join(damagedSaves, 'big.fgsave');
    const { removed, trashed } = await service.request(DiscardRunRequest, { file: damaged, trash: true });
    assert.deepEqual(removed, [damaged]);
    const trash = join(dir.path, 'xdg-data', 'Trash');
    assert.deepEqual(trashed, [join(trash, 'files', 'big.fgsave')]);
    assert.equal(existsSync(damaged), false);
    const info = readFileSync(join(trash, 'info', 'big.fgsave.trashinfo'), 'utf8');
    assert.match(info, new RegExp(`^\\[Trash Info\\]\\nPath=${damaged}\\nDeletionDate=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\n$`));
    // A second file of the same name is not written over in the trash.
    writeFileSync(damaged, readFileSync(join(trash, 'files', 'big.fgsave')));
    const again = await service.request(DiscardRunRequest, { file: damaged, trash: true });
    assert.deepEqual(again.trashed, [join(trash, 'files', 'big.2.fgsave')]);
  });
});
