import { closeSync, mkdirSync } from 'node:fs';
import { describeKey, Encoding, encodingName, keyLabel, typedKey, typedKeyField } from '@faultguard/protocol';
import type { DataView } from '../data/data-view';
import { appendAll, writeAll } from '../files/byte-io';
import { Directory } from '../files/directory';
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

/** The index is written a piece at a time: a million values never make one string in memory. */
const INDEX_CHUNK = 1024 * 1024;

/**
 * Writes each value to its own file, byte for byte as stored, plus `index.json` mapping keys to
 * files (protocol/SPEC.md §6). File names are derived from keys so they are readable, but made
 * safe for any key: no separators, no dot-names, bounded length, and distinct for distinct keys.
 *
 * Every file is created exclusively inside `folder`, through its descriptor: nothing already
 * there is written over, and nothing outside it is reached (not even when its path is swapped for
 * a link meanwhile). Should a write fail (a full disk), the files written so far are removed
 * again and the error is thrown: the folder is left as it was found. `onEntry` hears of each
 * value written, in live order; the index itself is streamed, not kept.
 */
export function writeValuesInto(data: DataView, folder: Directory, onEntry?: (entry: ValueFileEntry) => void): number {
  const index = folder.createFile('index.json');
  let created = 0; // files of values made so far, the one being written included
  try {
    let text = '[';
    for (const key of data.keys()) {
      const { encoding, bytes } = data.readRaw(key)!;
      const file = fileNameForKey(key, encoding);
      // A string key (nearly always) is its own entry's key; a typed one is described (SPEC §2.3).
      const entry = typedKey(key) === undefined ? { key, file, encoding: encodingName(encoding), size: bytes.length } : { ...describeKey(key), file, encoding: encodingName(encoding), size: bytes.length };
      const fd = folder.createFile(entry.file);
      created++;
      try {
        writeAll(fd, bytes);
      } finally {
        closeSync(fd);
      }
      onEntry?.(entry);
      text += `${created === 1 ? '\n' : ',\n'}${indexEntry(entry)}`;
      if (text.length >= INDEX_CHUNK) {
        appendAll(index, Buffer.from(text, 'utf8'));
        text = '';
      }
    }
    appendAll(index, Buffer.from(`${text}${created === 0 ? ']' : '\n]'}\n`, 'utf8'));
  } catch (error) {
    removeValueFiles(data, folder, created);
    throw error;
  } finally {
    closeSync(index);
  }
  return created;
}

/** One entry of index.json as JSON.stringify(entries, null, 2) writes it: made here, a million times over, without the general encoder. */
function indexEntry({ key, keyType, keyBytes, file, encoding, size }: ValueFileEntry): string {
  const typed = keyType === undefined ? '' : `    "keyType": ${JSON.stringify(keyType)},\n    "keyBytes": ${JSON.stringify(keyBytes)},\n`;
  return `  {\n    "key": ${JSON.stringify(key)},\n${typed}    "file": ${JSON.stringify(file)},\n    "encoding": ${JSON.stringify(encoding)},\n    "size": ${size}\n  }`;
}

/**
 * The same into the folder at `path`, made (with its parents, mode 0700) when missing; a link at
 * `path` is refused, never followed. Returns what index.json lists.
 *
 * @example
 * ```ts
 * import { readAutosave, writeValuesDirectory } from 'faultguard';
 *
 * const { data } = await readAutosave('autosaves/app.fgsave');
 * writeValuesDirectory(data, 'rescued/'); // rescued/index.json and one file per value
 * ```
 */
export function writeValuesDirectory(data: DataView, path: string): ValueFileEntry[] {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const folder = Directory.open(path);
  try {
    const entries: ValueFileEntry[] = [];
    writeValuesInto(data, folder, (entry) => entries.push(entry));
    return entries;
  } finally {
    folder.close();
  }
}

/**
 * Removes index.json and the files of the first `count` values (all, by default) from `folder`:
 * the names are the keys', so no list needs keeping, and nothing else there is touched.
 */
export function removeValueFiles(data: DataView, folder: Directory, count = Infinity): void {
  folder.removeFile('index.json');
  let left = count;
  for (const key of data.keys()) {
    if (left-- === 0) break;
    folder.removeFile(fileNameForKey(key, data.readRaw(key)!.encoding));
  }
}

const EXTENSIONS: Readonly<Record<number, string>> = { [Encoding.Json]: '.json', [Encoding.Bytes]: '.bin', [Encoding.PythonPickle]: '.pickle' };
const MAX_STEM = 120;

/** A key that is its own file name: portable characters only, not hidden, not too long, not the index. */
const PLAIN_KEY = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,119}$/;

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
  const extension = EXTENSIONS[encoding] ?? '.bin';
  if (PLAIN_KEY.test(key) && key !== 'index') return `${key}${extension}`;
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
  return `${stem}${extension}`;
}
