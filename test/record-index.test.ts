// The record index and the .xz blocks of real autosaves (protocol/SPEC.md §7.9): what a reader
// that reads part of a value relies on, checked against XZ Utils' own listing and decoder and
// against a scan of the decompressed journal; and every way an index or a stream can be wrong.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeAutosaveHeader, listBlocks, locateRecords, scanJournal, singleBlockStream, XzContainerError, type IndexedRecord, type XzBlock } from '@faultguard/protocol';
import { killedRunAutosave } from './helpers/autosave-corpus';
import { temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
let bytes: Buffer;
let dataOffset: number;
let journal: Buffer;
let records: IndexedRecord[];
let blocks: XzBlock[];
const header = () => decodeAutosaveHeader(bytes).header;
const read = (file: Buffer) => (offset: number, length: number) => {
  if (offset < 0 || offset + length > file.length) throw new Error(`read past the file: ${offset} + ${length}`);
  return file.subarray(offset, offset + length);
};

before(async () => {
  // crash-app's three small values, then 3 MiB of random bytes: a compressed stream, then a stored one of 3+ blocks.
  bytes = await killedRunAutosave(dir.path, 'noise', { NOISE_KIB: '3000' });
  ({ dataOffset } = decodeAutosaveHeader(bytes));
  journal = spawnSync('xz', ['-dc'], { input: bytes.subarray(dataOffset), maxBuffer: 64 * 1024 * 1024 }).stdout;
  const located = locateRecords(header().data.index, header().data);
  assert.ok(Array.isArray(located), `the index fits the data: ${String(located)}`);
  records = located;
  blocks = listBlocks(read(bytes), dataOffset, bytes.length);
});

test('the index locates every record of the decompressed journal, in live order', () => {
  const scan = scanJournal(journal);
  assert.deepEqual(records.map((r) => r.key), [...scan.entries.keys()]);
  for (const record of records) {
    const entry = scan.entries.get(record.key)!;
    assert.deepEqual([record.valueOffset, record.size, record.encoding], [entry.offset, entry.length, entry.encoding], record.key);
    assert.equal(journal.readUInt32LE(record.recordOffset), 4 + Buffer.byteLength(record.key) + record.size, `the record of ${record.key} begins where the index says`);
  }
});

test('the blocks are the ones xz --list finds; the random value is stored in blocks of at most 1 MiB', () => {
  const file = join(dir.path, 'data.xz');
  writeFileSync(file, bytes.subarray(dataOffset));
  const listed = spawnSync('xz', ['--list', '--robot', '-vv', file]).stdout.toString().split('\n').filter((line) => line.startsWith('block\t')).map((line) => line.split('\t'));
  assert.deepEqual(
    blocks.map((block) => [block.start - dataOffset, block.offset, block.totalSize, block.size]),
    listed.map((fields) => [Number(fields[4]), Number(fields[5]), Number(fields[6]), Number(fields[7])]),
  );
  const stored = blocks.filter((block) => block.flags[1] === 0x01);
  assert.ok(stored.length >= 3, `the stored stream has ${stored.length} blocks`);
  assert.ok(stored.every((block) => block.size <= 1024 * 1024));
  assert.equal(blocks.reduce((sum, block) => sum + block.size, 0), header().data.size);
});

test('every block, as a stream of its own, decodes with XZ Utils to its part of the journal; a flipped byte fails its check', () => {
  for (const block of blocks) {
    const alone = singleBlockStream(block, bytes.subarray(block.start, block.start + block.totalSize));
    const decoded = spawnSync('xz', ['-dc'], { input: alone, maxBuffer: 8 * 1024 * 1024 });
    assert.equal(decoded.status, 0, decoded.stderr.toString());
    assert.ok(decoded.stdout.equals(journal.subarray(block.offset, block.offset + block.size)), `block at ${block.start}`);
  }
  const block = blocks.at(-1)!;
  const damaged = Buffer.from(bytes.subarray(block.start, block.start + block.totalSize));
  damaged[damaged.length - 20] ^= 0x01;
  assert.notEqual(spawnSync('xz', ['-dc'], { input: singleBlockStream(block, damaged) }).status, 0, 'the damaged block is refused');
});

test('an index that does not describe the data is ignored, saying why', () => {
  const data = header().data;
  const index = data.index!;
  const cases: [string, unknown, RegExp][] = [
    ['not an object', [1, 2], /not an object/],
    ['a newer version', { ...index, version: 2 }, /version 2 is not known/],
    ['no records', { version: 1 }, /no list of records/],
    ['a record too few', { ...index, records: index.records.slice(1) }, /lists 3 records, the header says 4/],
    ['a key twice', { ...index, records: [index.records[0], index.records[0], ...index.records.slice(2)] }, /the key "text" twice/],
    ['a size that does not add up', { ...index, records: index.records.map(([key, tag, size], i) => [key, tag, i === 0 ? size + 1 : size]) }, /take \d+ bytes, the header says \d+/],
    ['a record of another shape', { ...index, records: [['text', 'json', 13], ...index.records.slice(1)] }, /not \[key, encoding, size\]/],
    ['an encoding out of range', { ...index, records: [['text', 256, 13], ...index.records.slice(1)] }, /not \[key, encoding, size\]/],
  ];
  for (const [name, wrong, why] of cases) {
    const answer = locateRecords(wrong, data);
    assert.equal(typeof answer, 'string', name);
    assert.match(answer as string, why, name);
  }
});

test('streams that are not whole, or have anything after them, are refused when their blocks are listed', () => {
  const data = bytes.subarray(dataOffset);
  const variants: [string, Buffer][] = [
    ['cut short by a byte', data.subarray(0, data.length - 1)],
    ['a byte after the last stream', Buffer.concat([data, Buffer.from([0])])],
    ['stream padding after the last stream', Buffer.concat([data, Buffer.alloc(4)])],
    ['a flipped byte in the last footer', flipped(data, data.length - 3)],
    ['a flipped byte in the last index', flipped(data, data.length - 14)],
    ['a flipped stream flag in the first header', flipped(data, 7)],
  ];
  for (const [name, variant] of variants) assert.throws(() => listBlocks(read(variant), 0, variant.length), XzContainerError, name);
});

function flipped(data: Buffer, offset: number): Buffer {
  const copy = Buffer.from(data);
  copy[offset] ^= 0x01;
  return copy;
}
