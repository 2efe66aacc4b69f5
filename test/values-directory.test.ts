import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Encoding } from '@faultguard/protocol';
import { fileNameForKey } from '../runtime/src/recovery/values-directory';

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
