// The one list of conformance scenarios. Each runs against every client (adapters/index.ts), with
// real processes, real signals and real files; a client passes when every scenario does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAutosaveHead } from '@faultguard/runtime';
import { CLI, eventually } from '../helpers/processes';
import type { Client } from './adapters/client';
import { assertEntries, assertSameBytes, cli, isActiveWith, recoverWith, sets, startProgram, type Context } from './harness';
import { expectedAt, expectedEntries, type Crash, type Op } from './script';

export interface Scenario {
  readonly name: string;
  run(client: Client, context: Context): Promise<void>;
}

const STORED = sets({ text: { json: 'héllo wörld' }, numbers: { json: [1, 2, 3] }, binary: { bytes: Buffer.from([0, 1, 2, 255]).toString('base64') } });

/** Runs `ops`, which end in `crash`, and checks the rescue got the model's data and the exit record. */
async function crashes(client: Client, context: Context, ops: readonly Op[], exit: { status: number; signal?: string; category: string }, program = startProgram(client, context, ops)) {
  const outcome = await program.outcome();
  assert.ok(outcome.rescue, `no rescue: ${outcome.stderr}`);
  assertEntries(client, outcome.rescue.entries, expectedEntries(ops), 'rescued');
  assert.equal(outcome.rescue.status, exit.status, 'the exit code given to rescue');
  assert.equal(outcome.returned, exit.status, 'what start() returned');
  assert.equal(outcome.rescue.exit?.signal ?? null, exit.signal ?? null);
  assert.equal(outcome.rescue.exit?.code ?? null, exit.signal ? null : exit.status);
  assert.equal(outcome.rescue.exit?.category, exit.category);
  return outcome;
}

function ending(name: string, how: Crash, exit: { status: number; signal?: string; category: string }): Scenario {
  return { name, run: (client, context) => crashes(client, context, [...STORED, { op: 'crash', how }], exit).then(() => undefined) };
}

/** A program with an autosave that stores STORED, says it is ready, and waits for `go` (which may never come). */
async function savedAndWaiting(client: Client, context: Context, then: Crash) {
  const file = join(context.dir, 'run.fgsave');
  const ready = join(context.dir, 'ready');
  const go = join(context.dir, 'go');
  const program = startProgram(client, context, [...STORED, { op: 'touch', path: ready }, { op: 'wait-file', path: go }, { op: 'crash', how: then }], {
    file,
    interval: 0.1,
  });
  await eventually(() => assert.ok(existsSync(ready), 'the program is ready'));
  await eventually(() => assert.equal(readAutosaveHead(file).header?.data.entries, STORED.length, 'an autosave holds the data'));
  return { file, program, go: () => writeFileSync(go, '') };
}

async function everyClientRecovers(context: Context, file: string, exit: { status: number } | null) {
  for (const reader of context.clients) {
    assert.equal(await isActiveWith(reader, context, file), false, `${reader.name} is_active after the end`);
    const recovered = await recoverWith(reader, context, file);
    assertEntries(reader, recovered.entries, expectedEntries(STORED), `recovered by ${reader.name}`);
    assert.equal(recovered.exit?.status ?? null, exit?.status ?? null, `the exit ${reader.name} recovered`);
    assert.equal(recovered.generation, 'newest');
  }
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'set, get, delete, clear and iterate keep dict order',
    async run(client, context) {
      const ops: Op[] = [
        ...sets({ x: { json: 'cleared' }, y: { bytes: 'AA==' } }),
        { op: 'clear' },
        { op: 'report', name: 'cleared' },
        ...sets({ a: { json: 1 }, b: { json: { x: [1, 'two', null, true] } }, c: { json: 'three' }, a2: { json: -5 } }),
        { op: 'set', key: 'a', value: { json: 2 } }, // a live key keeps its place
        { op: 'report', name: 'set' },
        { op: 'delete', key: 'b' },
        { op: 'set', key: 'b', value: { json: false } }, // a deleted key comes back last
        { op: 'set', key: 'd', value: { json: null } },
        { op: 'report', name: 'deleted' },
        { op: 'crash', how: { exit: 3 } },
      ];
      const program = startProgram(client, context, ops);
      await crashes(client, context, ops, { status: 3, category: 'exit/failure' }, program); // the rescue replays the same order
      for (const name of ['cleared', 'set', 'deleted']) assertEntries(client, program.report(name).entries, expectedAt(ops, name), `get/iterate at ${name}`);
      assert.deepEqual(program.report('deleted').entries.map((entry) => entry.key), ['a', 'c', 'a2', 'b', 'd']);
    },
  },
  {
    name: 'large values: 8 MiB of bytes and a 1 MiB string',
    async run(client, context) {
      const ops: Op[] = [...sets({ big: { ramp: 8 << 20 }, long: { text: 1 << 20 }, after: { json: 'small' } }), { op: 'report', name: 'stored' }, { op: 'crash', how: 'kill' }];
      const program = startProgram(client, context, ops);
      const outcome = await crashes(client, context, ops, { status: -9, signal: 'SIGKILL', category: 'process/kill' }, program);
      assertSameBytes(outcome.rescue!.entries, program.report('stored').entries, 'rescued byte for byte as stored');
    },
  },
  {
    name: 'unicode keys, a BOM kept, the empty key',
    run: (client, context) =>
      crashes(
        client,
        context,
        [...['é', '日本語', '🎉', '\uFEFFa', 'a', '', 'a b/c%', 'index', 'Ä'.normalize('NFD')].map((key, i): Op => ({ op: 'set', key, value: { json: i } })), { op: 'crash', how: 'throw' }],
        { status: 1, category: 'exit/failure' },
      ).then(() => undefined),
  },
  {
    name: 'binary values: every byte, empty, and text with NUL',
    run: (client, context) =>
      crashes(
        client,
        context,
        [
          ...sets({
            four: { bytes: Buffer.from([0, 1, 2, 255]).toString('base64') },
            empty: { bytes: '' },
            every: { bytes: Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('base64') },
            text: { json: 'nul\u0000 and 🎉' },
          }),
          { op: 'crash', how: { exit: 2 } },
        ],
        { status: 2, category: 'exit/failure' },
      ).then(() => undefined),
  },
  ending('rescue after SIGKILL', 'kill', { status: -9, signal: 'SIGKILL', category: 'process/kill' }),
  ending('rescue after SIGSEGV', 'segv', { status: -11, signal: 'SIGSEGV', category: 'error/restricted-memory-access' }),
  ending('rescue after an uncaught exception', 'throw', { status: 1, category: 'exit/failure' }),
  ending('rescue after a non-zero exit', { exit: 3 }, { status: 3, category: 'exit/failure' }),
  {
    name: 'no rescue after exit 0, and the autosave is removed',
    async run(client, context) {
      const file = join(context.dir, 'clean.fgsave');
      const outcome = await startProgram(client, context, STORED, { file, interval: 0.1 }).outcome();
      assert.equal(outcome.returned, 0);
      assert.equal(outcome.rescue, null, 'rescue must not be called');
      assert.equal(existsSync(file) || existsSync(`${file}.prev`), false, 'no autosave left');
    },
  },
  {
    name: 'is_active while running, not after a crash; every client recovers the autosave',
    async run(client, context) {
      const { file, program, go } = await savedAndWaiting(client, context, 'segv');
      for (const reader of context.clients) assert.equal(await isActiveWith(reader, context, file), true, `${reader.name} is_active while running`);
      go();
      assert.equal((await program.outcome()).returned, -11);
      await everyClientRecovers(context, file, { status: -11 });
    },
  },
  {
    name: 'the autosave is recovered after guard and program were killed together',
    async run(client, context) {
      const { file, program } = await savedAndWaiting(client, context, 'kill');
      process.kill(-program.running.pid, 'SIGKILL'); // the caller, the guard and the program: a power cut, as far as they know
      await program.running.exited;
      await eventually(() => assert.equal(readAutosaveHead(file).header?.state, 'running'));
      await everyClientRecovers(context, file, null);
    },
  },
  {
    name: "the CLI lists, inspects and recovers this client's autosave byte for byte",
    async run(client, context) {
      const file = join(context.dir, 'cross.fgsave');
      const native = Object.keys(client.nativeValues).map((name): Op => ({ op: 'set', key: `native ${name}`, value: { native: name } }));
      const ops: Op[] = [...STORED, ...sets({ 'ключ/ü': { json: { nested: ['ü', 1.5] } }, ramp: { ramp: 100_000 } }), ...native, { op: 'report', name: 'stored' }, { op: 'crash', how: 'kill' }];
      const program = startProgram(client, context, ops, { file, interval: 0.1 });
      assert.equal((await program.outcome()).returned, -9);
      const stored = program.report('stored').entries;

      const ls = await cli(['ls', '--json', file]);
      const [listing] = JSON.parse(ls.stdout) as Array<{ state: string; active: boolean; entries: number; exit: { status: number } }>;
      assert.deepEqual([listing?.state, listing?.active, listing?.entries, listing?.exit.status], ['crashed', false, stored.length, -9], ls.stderr);

      const inspect = await cli(['inspect', '--json', file]);
      const keys = (JSON.parse(inspect.stdout) as { keys: Array<{ key: string; encoding: string; size: number }> }).keys;
      assert.deepEqual(keys, stored.map(({ key, encoding, size }) => ({ key, encoding, size })), inspect.stderr);
      for (const entry of stored) {
        const raw = inspectRaw(file, entry.key);
        assert.equal(sha(raw), entry.sha256, `inspect --raw ${entry.key}`);
      }

      const out = join(context.dir, 'recovered');
      const recover = await cli(['recover', file, '--out', out]);
      assert.equal(recover.code, 0, recover.stderr);
      const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as Array<{ key: string; file: string; encoding: string; size: number }>;
      assert.deepEqual(
        index.map(({ key, file: name, encoding }) => ({ key, encoding, size: readFileSync(join(out, name)).length, sha256: sha(readFileSync(join(out, name))) })),
        stored.map(({ key, encoding, size, sha256 }) => ({ key, encoding, size, sha256 })),
        'recovered files hold the stored bytes',
      );
    },
  },
];

/** `faultguard inspect FILE KEY --raw`: the value's exact bytes. */
function inspectRaw(file: string, key: string): Buffer {
  const result = spawnSync(process.execPath, [CLI, 'inspect', file, key, '--raw']);
  assert.equal(result.status, 0, result.stderr.toString());
  return result.stdout;
}
