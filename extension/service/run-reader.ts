import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AUTOSAVE_EXTENSION, Encoding, encodingName, keyLabel, keyType, NotJsonError, previousGenerationPath, renderValue } from '@faultguard/protocol';
import {
  PAGE_BYTES,
  WHOLE_VALUE_BYTES,
  type RecoveredRun,
  type RecoverRunParams,
  type RunContents,
  type SaveValueParams,
  type ValueParams,
  type ValueView,
} from '@faultguard/protocol/recovery-service';
import { AutosaveError, fileNameForKey, readAutosave, recover, removeAutosave, writeValuesDirectory, type Autosave, type JudgeOptions } from '@faultguard/runtime/recovery';
import { decompressWithWasm } from './wasm-xz';

/**
 * Decompressed runs kept: the one being looked at always, and those before it while all together
 * stay under this (a user goes back and forth between a few runs; the service must stay small).
 */
const CACHE_BYTES = 256 * 1024 * 1024;

/**
 * Reads the data of autosaves for the editor: decompressed once (in WebAssembly, checked as the
 * format asks) and kept while the file is unchanged, so that opening key after key of a run
 * costs one decompression. Writes what the user asks to recover.
 */
export class RunReader {
  private readonly cache = new Map<string, { stamp: string; autosave: Promise<Autosave>; bytes: number }>();

  constructor(private readonly limits: () => { maxBytes: number; judge: JudgeOptions }) {}

  async contents(file: string): Promise<RunContents> {
    const { data, generation, fallback } = await this.read(file);
    const keys = [...data.keys()].map((key) => {
      const { encoding, bytes } = data.readRaw(key)!;
      const type = keyType(key);
      const typed = type !== undefined && { label: keyLabel(key), keyType: type };
      return { key, ...typed, encoding: encodingName(encoding), size: bytes.length, fileName: fileNameForKey(key, encoding) };
    });
    return { file, keys, generation, ...(fallback !== undefined && { fallback }) };
  }

  async value({ file, key, extent }: ValueParams): Promise<ValueView> {
    const { encoding, bytes } = await this.raw(file, key);
    if (extent === 'whole' && bytes.length > WHOLE_VALUE_BYTES) {
      throw new AutosaveError(file, 'too-large', `the value of ${JSON.stringify(keyLabel(key))} is ${bytes.length} bytes, more than can be shown whole (${WHOLE_VALUE_BYTES}); save it to a file instead`);
    }
    const partial = extent === 'page' && bytes.length > PAGE_BYTES;
    const shown = partial ? bytes.subarray(0, PAGE_BYTES) : bytes;
    let view: ReturnType<typeof renderValue>;
    try {
      view = renderValue(encoding, shown, { partial, stringsAsText: true });
    } catch (error) {
      if (!(error instanceof NotJsonError)) throw error;
      view = renderValue(Encoding.Bytes, shown, { partial }); // a faulty writer's "JSON": its bytes, as they are
    }
    return { encoding: encodingName(encoding), rendering: view.rendering, text: view.text, size: bytes.length, shownBytes: shown.length };
  }

  async save({ file, key, target }: SaveValueParams): Promise<{ bytes: number }> {
    const { bytes } = await this.raw(file, key);
    writeFileSync(target, bytes, { mode: 0o600 }); // the editor's save dialog asked before replacing
    return { bytes: bytes.length };
  }

  /** Writes every value into a new folder inside `into`, named after the autosave, with index.json. */
  async recover({ file, into }: RecoverRunParams): Promise<RecoveredRun> {
    let recovered: RecoveredRun | undefined;
    await recover(
      (data) => {
        const folder = newFolderIn(into, basename(file, AUTOSAVE_EXTENSION));
        recovered = { folder, files: writeValuesDirectory(data, folder) };
      },
      file,
      { ...this.limits().judge, read: (path) => this.read(path) },
    );
    return recovered!;
  }

  /** Removes the autosave with its previous generation; refuses a live run's. */
  discard(file: string): string[] {
    this.cache.delete(file);
    return removeAutosave(file, this.limits().judge);
  }

  private async raw(file: string, key: string): Promise<{ encoding: number; bytes: Buffer }> {
    const value = (await this.read(file)).data.readRaw(key);
    if (!value) throw new AutosaveError(file, 'invalid', `has no key ${JSON.stringify(keyLabel(key))} (any more)`);
    return value;
  }

  private read(file: string): Promise<Autosave> {
    const stamp = stampOf(file);
    const cached = this.cache.get(file);
    if (cached?.stamp === stamp) {
      this.cache.delete(file);
      this.cache.set(file, cached);
      return cached.autosave;
    }
    const autosave = readAutosave(file, { decompress: decompressWithWasm, maxBytes: this.limits().maxBytes });
    const entry = { stamp, autosave, bytes: 0 };
    this.cache.delete(file); // re-inserted: the map's order is the order of use
    this.cache.set(file, entry);
    autosave.then(
      ({ header }) => {
        entry.bytes = header.data.size;
        this.evict(file);
      },
      () => this.cache.get(file) === entry && this.cache.delete(file), // errors are not kept: the next try reads again
    );
    return autosave;
  }

  /**
   * Drops the least recently used runs while all together are over the budget: never `keep` (just
   * read), never a read still under way (it frees nothing yet, and its caller waits for it).
   */
  private evict(keep: string): void {
    let total = 0;
    for (const entry of this.cache.values()) total += entry.bytes;
    for (const [file, entry] of this.cache) {
      if (total <= CACHE_BYTES) break;
      if (file === keep || entry.bytes === 0) continue;
      this.cache.delete(file);
      total -= entry.bytes;
    }
  }
}

/** Which version of the files a cached read came from: any save changes it. */
function stampOf(file: string): string {
  return [file, previousGenerationPath(file)]
    .map((path) => lstatSync(path, { throwIfNoEntry: false }))
    .map((stat) => (stat ? `${stat.ino}:${stat.size}` : '-')) // not the time: the heartbeat moves it, saves replace the file
    .join('/');
}

/** `into/name`, or `into/name-2`… if taken: a recovery never writes into an existing folder. */
function newFolderIn(into: string, name: string): string {
  for (let n = 1; ; n++) {
    const folder = join(into, n === 1 ? name : `${name}-${n}`);
    try {
      mkdirSync(folder, { mode: 0o700 });
      return folder;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
