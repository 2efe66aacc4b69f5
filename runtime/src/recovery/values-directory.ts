import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Encoding, encodingName } from '@faultguard/protocol';
import type { DataView } from '../data/data-view';
import { digestHex } from '../files/unique-names';

export interface ValueFileEntry {
  readonly key: string;
  readonly file: string;
  readonly encoding: string;
  readonly size: number;
}

/**
 * Writes each value to its own file, byte for byte as stored, plus `index.json` mapping keys to
 * files. File names are derived from keys so they are readable, but made safe for any key:
 * no separators, no dot-names, bounded length, and distinct for distinct keys.
 */
export function writeValuesDirectory(data: DataView, dir: string): ValueFileEntry[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entries: ValueFileEntry[] = [];
  for (const key of data.keys()) {
    const { encoding, bytes } = data.readRaw(key)!;
    const file = fileNameForKey(key, encoding);
    writeFileSync(join(dir, file), bytes, { mode: 0o600, flag: 'wx' }); // never over a file put there meanwhile
    entries.push({ key, file, encoding: encodingName(encoding), size: bytes.length });
  }
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return entries;
}

const EXTENSIONS: Readonly<Record<number, string>> = { [Encoding.Json]: '.json', [Encoding.Bytes]: '.bin', [Encoding.PythonPickle]: '.pickle' };
const MAX_STEM = 120;

export function fileNameForKey(key: string, encoding: number): string {
  // Percent-encode everything outside a portable set, and '%' itself, so the mapping is one-to-one.
  let stem = Array.from(Buffer.from(key, 'utf8'), (byte) =>
    /[A-Za-z0-9_.-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
  if (stem === '') stem = '%';
  else if (stem.startsWith('.')) stem = `%2E${stem.slice(1)}`;
  if (stem.length > MAX_STEM || key === 'index') {
    const digest = digestHex(key, 16);
    stem = `${stem.slice(0, MAX_STEM - 17)}~${digest}`;
  }
  return `${stem}${EXTENSIONS[encoding] ?? '.bin'}`;
}
