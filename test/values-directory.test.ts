import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encoding, OpaqueValue } from '@faultguard/protocol';
import { readJournal } from '@faultguard/runtime';
import { GuardedData } from '../runtime/src/data/guarded-data';
import { JournalWriter } from '../runtime/src/data/journal-writer';
import { createRunDirectory } from '../runtime/src/guard/run-directory';
import { fileNameForKey, writeValuesDirectory } from '../runtime/src/recovery/values-directory';
import { CLI, run as runProcess, temporaryDirectory } from './helpers/processes';

test('file names for values are safe and distinct for any key', () => {
  const keys = ['', '.', '..', '../etc/passwd', 'a/b', 'index', 'Index', '%41', 'A', 'ünï', 'ключ 🔑', '.hidden', 'x'.repeat(500), `${'x'.repeat(500)}y`, 'nul\u0000byte', 'new\nline'];
  const names = keys.map((key) => fileNameForKey(key, Encoding.Json));
  assert.equal(new Set(names).size, keys.length, `collision among ${names.join(' | ')}`);
  for (const name of names) {
    assert.match(name, /^[A-Za-z0-9_.%~-]+\.json$/, name);
    assert.ok(!name.startsWith('.'), name);
    assert.ok(name.length <= 140, `${name.length} characters`);
    assert.notEqual(name, 'index.json', 'never the index itself');
  }
  assert.equal(fileNameForKey('config', Encoding.Json), 'config.json', 'plain keys stay readable');
  assert.equal(fileNameForKey('photo', Encoding.Bytes), 'photo.bin');
  assert.equal(fileNameForKey('state', Encoding.PythonPickle), 'state.pickle');
  assert.equal(fileNameForKey('odd', 99), 'odd.bin');
});

test('a tag this version does not know is named unknown-<tag> everywhere: index.json, inspect --json', async () => {
  const dir = temporaryDirectory();
  try {
    const run = createRunDirectory(join(dir.path, 'journals'));
    const { writer, entries } = JournalWriter.open(run.journalPath);
    new GuardedData(writer, entries).set('x', new OpaqueValue(9, Buffer.from([1, 2, 3])));
    const data = readJournal(run.journalPath);
    try {
      assert.deepEqual(writeValuesDirectory(data, join(dir.path, 'values')), [{ key: 'x', file: 'x.bin', encoding: 'unknown-9', size: 3 }]);
    } finally {
      data.close();
    }
    assert.deepEqual(JSON.parse(readFileSync(join(dir.path, 'values', 'index.json'), 'utf8')), [{ key: 'x', file: 'x.bin', encoding: 'unknown-9', size: 3 }]);
    const shown = await runProcess(process.execPath, [CLI, 'inspect', '--json', run.journalPath]);
    assert.deepEqual(JSON.parse(shown.stdout).keys, [{ key: 'x', encoding: 'unknown-9', size: 3 }]);
  } finally {
    dir.remove();
  }
});
