import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import {
  describeKey, Encoding, encodeJournalHeader, encodeRecord, encodeValue, JOURNAL_HEADER_SIZE, JournalFormatError, keyLabel, keyType, RecordType, scanJournal,
  setRecordKey, TYPED_KEYS_JOURNAL_VERSION,
} from '@faultguard/protocol';

function record(type: RecordType, key: string, value: unknown = undefined): Buffer {
  const encoded = value === undefined ? { encoding: 0, bytes: Buffer.alloc(0) } : encodeValue(value);
  return Buffer.concat(encodeRecord(type, encoded.encoding, Buffer.from(key), encoded.bytes));
}

function journal(...records: Buffer[]): Buffer {
  return Buffer.concat([encodeJournalHeader(), ...records]);
}

function valueOf(bytes: Buffer, key: string): string | undefined {
  const location = scanJournal(bytes).entries.get(key);
  return location && bytes.subarray(location.offset, location.offset + location.length).toString('utf8');
}

test('replays sets, deletes and clears in order, as a Map would', () => {
  const bytes = journal(
    record(RecordType.Set, 'a', 1),
    record(RecordType.Set, 'b', 'two'),
    record(RecordType.Set, 'a', 3),
    record(RecordType.Delete, 'b'),
    record(RecordType.Set, 'c', [true]),
  );
  const scan = scanJournal(bytes);
  assert.equal(scan.damage, undefined);
  assert.equal(scan.records, 5);
  assert.equal(scan.end, bytes.length);
  assert.deepEqual([...scan.entries.keys()], ['a', 'c'], 'Map order: a key set again keeps its place');
  const again = scanJournal(journal(record(RecordType.Set, 'a', 1), record(RecordType.Set, 'b', 2), record(RecordType.Set, 'a', 3)));
  assert.deepEqual([...again.entries.keys()], ['a', 'b'], 'a live key set again keeps its place');
  assert.equal(valueOf(bytes, 'a'), '3');
  assert.equal(valueOf(bytes, 'c'), '[true]');

  const cleared = scanJournal(journal(record(RecordType.Set, 'x', 1), record(RecordType.Clear, ''), record(RecordType.Set, 'y', 2)));
  assert.deepEqual([...cleared.entries.keys()], ['y']);
});

test('large values are written as separate chunks and read back identically', () => {
  const value = Buffer.alloc(200_000, 7);
  const chunks = encodeRecord(RecordType.Set, Encoding.Bytes, Buffer.from('big'), value);
  assert.equal(chunks.length, 2);
  assert.equal(chunks[1].buffer, value.buffer, 'the value is not copied');
  const bytes = journal(Buffer.concat(chunks));
  const location = scanJournal(bytes).entries.get('big')!;
  assert.equal(location.encoding, Encoding.Bytes);
  assert.ok(bytes.subarray(location.offset, location.offset + location.length).equals(value));
});

test('a journal cut at any byte keeps every record before the cut and reports the rest', () => {
  const records = [record(RecordType.Set, 'first', 'one'), record(RecordType.Set, 'second', { n: 2 }), record(RecordType.Set, 'ünï', 'three')];
  const whole = journal(...records);
  const boundaries = [JOURNAL_HEADER_SIZE];
  for (const r of records) boundaries.push(boundaries[boundaries.length - 1] + r.length);
  for (let cut = JOURNAL_HEADER_SIZE; cut <= whole.length; cut++) {
    const scan = scanJournal(whole.subarray(0, cut));
    const complete = boundaries.filter((b) => b <= cut).length - 1;
    assert.equal(scan.entries.size, complete, `cut at ${cut}`);
    assert.equal(scan.end, boundaries[complete]);
    if (cut === boundaries[complete]) assert.equal(scan.damage, undefined, `cut at a record boundary ${cut}`);
    else {
      assert.match(scan.damage!.reason, /cut short/);
      assert.equal(scan.damage!.offset, boundaries[complete]);
      assert.equal(scan.damage!.skippedBytes, cut - boundaries[complete]);
    }
  }
});

test('every single-bit flip in a record is detected, never returned as data', () => {
  const first = record(RecordType.Set, 'keep', 'intact');
  const second = record(RecordType.Set, 'flip', 'some value');
  const whole = journal(first, second);
  const start = JOURNAL_HEADER_SIZE + first.length;
  for (let offset = start; offset < whole.length; offset++) {
    for (let bit = 0; bit < 8; bit++) {
      const damaged = Buffer.from(whole);
      damaged[offset] ^= 1 << bit;
      const scan = scanJournal(damaged);
      assert.ok(scan.damage, `flip at ${offset}:${bit} went unnoticed`);
      assert.equal(scan.damage.offset, start);
      assert.deepEqual([...scan.entries.keys()], ['keep']);
    }
  }
});

test('refuses bytes that are not a journal, saying why', () => {
  const header = encodeJournalHeader();
  assert.throws(() => scanJournal(Buffer.alloc(0)), { name: 'JournalFormatError', message: /shorter than the 16-byte header/ });
  assert.throws(() => scanJournal(Buffer.from('{"json": "not a journal at all"}')), /wrong magic/);
  const future = Buffer.from(header);
  future.writeUInt16LE(3, 8);
  assert.throws(() => scanJournal(future), /checksum/);
  future.writeUInt32LE(crc32(future.subarray(0, 12)), 12);
  assert.throws(() => scanJournal(future), /version 3 is not supported/);
  for (let bit = 0; bit < 16 * 8; bit++) {
    const damaged = Buffer.from(header);
    damaged[bit >> 3] ^= 1 << (bit & 7);
    assert.throws(() => scanJournal(damaged), JournalFormatError);
  }
});

test('refuses keys and values the format cannot hold', () => {
  assert.throws(() => encodeRecord(RecordType.Set, Encoding.Json, Buffer.alloc(70_000), Buffer.alloc(1)), /at most 65535/);
});

/** A typed key's field: its kind byte, then its bytes (SPEC §2.3). */
function typedRecord(type: RecordType, field: Buffer, value: unknown = undefined): Buffer {
  const encoded = value === undefined ? { encoding: 0, bytes: Buffer.alloc(0) } : encodeValue(value);
  return Buffer.concat(encodeRecord(type, encoded.encoding, field, encoded.bytes));
}

test('version 2: typed keys (an int, a pickled key with its label) are their own keys, shown by label, never merged with strings', () => {
  const pickled = Buffer.concat([Buffer.of(2, 6, 0), Buffer.from("(1, 2)"), Buffer.from([0x80, 0x04, 0x95])]); // label, then a pickle
  const bytes = Buffer.concat([
    encodeJournalHeader(TYPED_KEYS_JOURNAL_VERSION),
    record(RecordType.Set, '5', 'the string'),
    typedRecord(RecordType.SetTypedKey, Buffer.from('\x015', 'latin1'), 'the int'),
    typedRecord(RecordType.SetTypedKey, pickled, 'the tuple'),
    typedRecord(RecordType.SetTypedKey, Buffer.from('\x01-7', 'latin1'), 'gone'),
    typedRecord(RecordType.DeleteTypedKey, Buffer.from('\x01-7', 'latin1')),
  ]);
  const scan = scanJournal(bytes);
  assert.equal(scan.version, 2);
  assert.equal(scan.damage, undefined);
  const keys = [...scan.entries.keys()];
  assert.deepEqual(keys.map(keyLabel), ['5', '5', '(1, 2)']);
  assert.deepEqual(keys.map(keyType), [undefined, 'int', 'python-pickle']);
  assert.deepEqual(describeKey(keys[1]), { key: '5', keyType: 'int', keyBytes: Buffer.from('5').toString('base64') });
  for (const key of keys) {
    const { type, bytes: field } = setRecordKey(key); // written back as it was read: the autosave's compaction
    assert.ok(bytes.includes(Buffer.concat(encodeRecord(type, Encoding.Json, field, Buffer.alloc(0))).subarray(8, 12 + field.length)));
  }
});

test('typed keys: damage in a version 1 journal, and when ill-formed', () => {
  const int = typedRecord(RecordType.SetTypedKey, Buffer.from('\x015', 'latin1'), 1);
  assert.match(scanJournal(Buffer.concat([encodeJournalHeader(), int])).damage?.reason ?? '', /unknown record type 4/);
  for (const [field, reason] of [['\x0105', /canonical/], ['\x01', /canonical/], ['', /no kind/], ['\x02\x05\x00ab', /no pickle/]] as const) {
    const scan = scanJournal(Buffer.concat([encodeJournalHeader(2), typedRecord(RecordType.SetTypedKey, Buffer.from(field, 'latin1'), 1)]));
    assert.match(scan.damage?.reason ?? '', reason, JSON.stringify(field));
  }
  const unknownKind = scanJournal(Buffer.concat([encodeJournalHeader(2), typedRecord(RecordType.SetTypedKey, Buffer.from('\x09abc', 'latin1'), 1)]));
  assert.equal(unknownKind.damage, undefined, 'a kind this reader does not know is opaque, not damage');
  assert.deepEqual([...unknownKind.entries.keys()].map(keyLabel), ['<key of kind 9, 3 bytes>']);
});
