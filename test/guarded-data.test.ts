import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, test } from 'node:test';
import { Encoding, OpaqueValue, readJournal } from '@faultguard/runtime';
import { createRunDirectory } from '../runtime/src/guard/run-directory';
import { GuardedData } from '../runtime/src/data/guarded-data';
import { JournalWriter } from '../runtime/src/data/journal-writer';
import { temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);

function freshData(): { data: GuardedData; journal: string } {
  const run = createRunDirectory(dir.path);
  const { writer, entries } = JournalWriter.open(run.journalPath);
  return { data: new GuardedData(writer, entries), journal: run.journalPath };
}

test('behaves like a Map whose values are copies', () => {
  const { data, journal } = freshData();
  const list = [1, 2];
  data.set('list', list).set('ключ 🔑', 'unicode key').set('bytes', new Uint8Array([1, 2, 3]));
  list.push(3);
  assert.deepEqual(data.get('list'), [1, 2], 'a value is stored as it was when set');
  assert.notEqual(data.get('list'), data.get('list'), 'each get() decodes a fresh copy');
  assert.equal(data.size, 3);
  assert.ok(data.has('ключ 🔑'));
  assert.equal(data.get('missing'), undefined);
  data.set('list', 'set again, stays first');
  assert.deepEqual([...data.keys()], ['list', 'ключ 🔑', 'bytes']);
  assert.equal(data.delete('list'), true);
  assert.equal(data.delete('list'), false);
  data.set('list', 'deleted and set again: now last');
  assert.deepEqual([...data], [['ключ 🔑', 'unicode key'], ['bytes', Buffer.from([1, 2, 3])], ['list', 'deleted and set again: now last']]);
  const seen: string[] = [];
  data.forEach((_value, key) => seen.push(key));
  assert.deepEqual(seen, ['ключ 🔑', 'bytes', 'list']);

  const rescued = readJournal(journal);
  assert.deepEqual(rescued.toObject(), data.toObject(), 'the journal holds exactly what the object shows');
  data.clear();
  assert.equal(data.size, 0);
  assert.equal(readJournal(journal).size, 0);
});

test('round-trips every value type byte for byte', () => {
  const { data, journal } = freshData();
  const values: Record<string, unknown> = {
    null: null,
    true: false,
    int: -42,
    float: 3.5e-300,
    string: 'line\nbreak "quotes" \u0000 nul',
    nested: { a: [1, { b: 'c' }], empty: {}, list: [] },
    bytes: Buffer.from([0, 255, 128, 10, 13]),
    empty: Buffer.alloc(0),
    pickle: new OpaqueValue(Encoding.PythonPickle, Buffer.from([0x80, 0x04, 0x4b, 0x01, 0x2e])),
  };
  for (const [key, value] of Object.entries(values)) data.set(key, value);
  data.set('typed', new Float64Array([1.5, -2]));
  for (const view of [data, readJournal(journal)]) {
    for (const [key, value] of Object.entries(values)) assert.deepEqual(view.get(key), value, key);
    assert.deepEqual(view.get('typed'), Buffer.from(new Float64Array([1.5, -2]).buffer));
    assert.equal(view.readRaw('pickle')!.encoding, Encoding.PythonPickle);
  }
});

test('refuses what it cannot store, naming the key, and stays usable', () => {
  const { data, journal } = freshData();
  assert.throws(() => data.set('fn', () => 1), { name: 'TypeError', message: /key "fn".*function cannot be stored/ });
  assert.throws(() => data.set('sym', Symbol('s')), /key "sym".*symbol cannot be stored/);
  assert.throws(() => data.set('big', 10n), /key "big"/);
  assert.throws(() => data.set(42 as unknown as string, 1), /keys are strings/);
  data.set('ok', 1);
  assert.deepEqual(readJournal(journal).toObject(), { ok: 1 });
});

test('a key, value or tag over the format\'s limits is bad input (RangeError, its size named), not a failed write', () => {
  const { data, journal } = freshData();
  const before = statSync(journal).size;
  assert.throws(() => data.set('k'.repeat(70_000), 1), {
    name: 'RangeError',
    message: /^faultguard: cannot store key "k{40}"…: the key is 70000 bytes in UTF-8; a key may have at most 65535$/,
  });
  assert.throws(() => data.set('é'.repeat(32_768), 1), { name: 'RangeError', message: /the key is 65536 bytes in UTF-8/ });
  // 4 GiB that are never touched: the size alone is refused, before a byte is read or written.
  assert.throws(() => data.set('huge', new Uint8Array(new ArrayBuffer(2 ** 32))), {
    name: 'RangeError',
    message: /^faultguard: cannot store key "huge": the value is 4294967296 bytes; with this key a record holds at most 4294967287$/,
  });
  for (const [tag, message] of [[0, /tag 0: it is reserved for Delete and Clear records/], [256, /from 1 to 255, not 256/], [-1, /not -1/], [1.5, /not 1\.5/]] as const) {
    assert.throws(() => data.set('tagged', new OpaqueValue(tag, Buffer.from([1]))), { name: 'RangeError', message }, `tag ${tag}`);
  }
  assert.equal(statSync(journal).size, before, 'nothing was written');
  data.set('k'.repeat(65_535), 'the largest key fits');
  assert.equal(readJournal(journal).get('k'.repeat(65_535)), 'the largest key fits');
});

test('compacts a journal full of overwritten values without losing the live ones', () => {
  const { data, journal } = freshData();
  const chunk = Buffer.alloc(1024 * 1024, 1);
  for (let i = 0; i < 100; i++) data.set('churn', chunk.fill(i % 256));
  data.set('last', 'kept');
  assert.ok(statSync(journal).size < 70 * 1024 * 1024, `journal is ${statSync(journal).size} bytes after 100 MiB of overwrites`);
  const rescued = readJournal(journal);
  assert.deepEqual([...rescued.keys()], ['churn', 'last']);
  assert.ok((rescued.get('churn') as Buffer).equals(Buffer.alloc(1024 * 1024, 99)));
  assert.ok((data.get('churn') as Buffer).equals(Buffer.alloc(1024 * 1024, 99)));
});

test('a compaction in the middle of iterating keys neither restarts nor repeats the iteration', () => {
  const { data, journal } = freshData();
  const keys = Array.from({ length: 24 }, (_, i) => `key-${i}`);
  for (const key of keys) data.set(key, Buffer.alloc(1024 * 1024, 0));
  const visited: string[] = [];
  for (const key of data.keys()) {
    visited.push(key);
    const bumped = Buffer.from(data.get(key) as Buffer).fill((data.get(key) as Buffer)[0] + 1);
    for (let i = 0; i < 3; i++) data.set(key, bumped); // three writes a step: the journal passes 64 MiB
  }
  assert.ok(statSync(journal).size < 64 * 1024 * 1024, 'the journal was compacted during the loop');
  assert.deepEqual(visited, keys);
  for (const key of keys) assert.equal((data.get(key) as Buffer)[0], 1, `${key} was changed exactly once`);
});

test('refuses what JSON would silently lose, wherever it is in the value', () => {
  const { data } = freshData();
  assert.throws(() => data.set('m', new Map([[1, 2]])), /key "m".*a Map cannot be stored as JSON/);
  assert.throws(() => data.set('nested', { tags: new Set(['a']) }), /a Set \(at "tags"\) cannot be stored as JSON/);
  assert.throws(() => data.set('callback', { onDone: () => 1 }), /a function \(at "onDone"\)/);
  data.set('fine', { when: new Date(0), skipped: undefined, list: [1, 'two'] });
  assert.deepEqual(data.get('fine'), { when: '1970-01-01T00:00:00.000Z', list: [1, 'two'] });
});
