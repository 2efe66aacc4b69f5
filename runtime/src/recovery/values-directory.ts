import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeKey, Encoding, encodingName, keyLabel, typedKey, typedKeyField } from '@faultguard/protocol';
import type { DataView } from '../data/data-view';
import { digestHex } from '../files/unique-names';

/**
 * One value written by `writeValuesDirectory()`: an entry of its `index.json`.
 *
 * @example
 * ```ts
 * const entry: ValueFileEntry = { key: 'notes/today', file: 'notes%2Ftoday.json', encoding: 'json', size: 42 };
 * ```
 */
export interface ValueFileEntry {
  /** The key; for a key that is not a string (from Python), its label (SPEC §2.3). */
  readonly key: string;
  /** Only for a key that is not a string: `int`, `python-pickle`. */
  readonly keyType?: string;
  /** Only for a key that is not a string: the key's exact bytes, in base64. */
  readonly keyBytes?: string;
  /** The file's name in the folder. */
  readonly file: string;
  /** "json", "bytes", "python-pickle", or "unknown-<tag>". */
  readonly encoding: string;
  /** The value's size in bytes. */
  readonly size: number;
}

/**
 * Writes each value to its own file, byte for byte as stored, plus `index.json` mapping keys to
 * files. File names are derived from keys so they are readable, but made safe for any key:
 * no separators, no dot-names, bounded length, and distinct for distinct keys.
 *
 * @example
 * ```ts
 * import { readAutosave, writeValuesDirectory } from 'faultguard';
 *
 * const { data } = await readAutosave('autosaves/app.fgsave');
 * writeValuesDirectory(data, 'rescued/'); // rescued/index.json and one file per value
 * ```
 */
export function writeValuesDirectory(data: DataView, dir: string): ValueFileEntry[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const entries: ValueFileEntry[] = [];
  for (const key of data.keys()) {
    const { encoding, bytes } = data.readRaw(key)!;
    const file = fileNameForKey(key, encoding);
    writeFileSync(join(dir, file), bytes, { mode: 0o600, flag: 'wx' }); // never over a file put there meanwhile
    entries.push({ ...describeKey(key), file, encoding: encodingName(encoding), size: bytes.length });
  }
  writeFileSync(join(dir, 'index.json'), `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return entries;
}

const EXTENSIONS: Readonly<Record<number, string>> = { [Encoding.Json]: '.json', [Encoding.Bytes]: '.bin', [Encoding.PythonPickle]: '.pickle' };
const MAX_STEM = 120;

/**
 * The file name `writeValuesDirectory()` gives a key's value: the key percent-encoded where it
 * must be, with the encoding's extension.
 *
 * @example
 * ```ts
 * fileNameForKey('notes/today', Encoding.Json); // "notes%2Ftoday.json"
 * ```
 */
export function fileNameForKey(key: string, encoding: number): string {
  const typed = typedKey(key);
  // Percent-encode everything outside a portable set, and '%' itself, so the mapping is one-to-one.
  let stem = Array.from(Buffer.from(keyLabel(key), 'utf8'), (byte) =>
    /[A-Za-z0-9_.-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
  if (stem === '') stem = '%';
  else if (stem.startsWith('.')) stem = `%2E${stem.slice(1)}`;
  if (stem.length > MAX_STEM || key === 'index' || typed) {
    // A typed key is always hashed, over 0xFF (never in UTF-8) and its field: no string key's name can match it.
    const digest = digestHex(typed ? Buffer.concat([Buffer.of(0xff), typedKeyField(typed)]) : key, 16);
    stem = `${stem.slice(0, MAX_STEM - 17)}~${digest}`;
  }
  return `${stem}${EXTENSIONS[encoding] ?? '.bin'}`;
}
