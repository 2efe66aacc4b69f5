import { closeSync, lstatSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  Encoding,
  encodingName,
  formatBytes,
  keyLabel,
  keyType,
  JSON_START,
  NotJsonError,
  PAGE_LOOKBACK_BYTES,
  previousGenerationPath,
  renderPage,
  renderValue,
  type IndexedRecord,
  type JsonIndentState,
} from '@faultguard/protocol';
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
import { BlockCache, openIndexed, readValueRange, streamValueRange, type IndexedAutosave } from '@faultguard/runtime/recovery/indexed';
import { decodeBlockWithWasm, decompressWithWasm } from './wasm-xz';

/**
 * Decompressed runs kept: the one being looked at always, and those before it while all together
 * stay under this (a user goes back and forth between a few runs; the service must stay small).
 */
const CACHE_BYTES = 256 * 1024 * 1024;
/**
 * Data up to this size is read whole even when indexed: it decodes in moments, and a whole read
 * verifies everything (§7.3), the key list included. Larger data is read by its index.
 */
const WHOLE_READ_BYTES = 1024 * 1024;
/** Decoded blocks of indexed reads kept (a page after a page of the same value). */
const BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

/** How a file is read: by its record index (parts, on demand) or whole (decompressed once, kept). */
type View =
  | { readonly stamp: string; readonly kind: 'indexed'; readonly autosave: IndexedAutosave }
  | { readonly stamp: string; readonly kind: 'whole'; readonly autosave: Promise<Autosave>; bytes: number };

/** One value, wherever it is read from: its description and a way to its bytes. */
interface ValueSource {
  readonly encoding: number;
  readonly size: number;
  read(start: number, end: number): Promise<Buffer>;
}

export interface ReaderEvents {
  log(message: string): void;
  /** A file read by its index turned out damaged: it is read whole now, which may show another generation. */
  contentsChanged(file: string): void;
}

/**
 * Reads the data of autosaves for the editor. A file with a record index (SPEC §7.9) is read by
 * it: the keys from the header, each page of a value from the blocks that hold it. Other files
 * are decompressed once (in WebAssembly, checked as §7.3 asks) and kept while unchanged. Writes
 * what the user asks to save or recover.
 */
export class RunReader {
  private readonly views = new Map<string, View>();
  /** Versions of files whose data failed an indexed read: read whole from then on (and fall back). */
  private readonly damaged = new Set<string>();
  private readonly blocks = new BlockCache(BLOCK_CACHE_BYTES);
  /** Where pretty-printed JSON stands at each page start, per value read by pages. */
  private readonly jsonStates = new Map<string, JsonIndentState[]>();

  constructor(
    private readonly limits: () => { maxBytes: number; judge: JudgeOptions },
    private readonly events: ReaderEvents,
  ) {}

  async contents(file: string): Promise<RunContents> {
    const started = Date.now();
    const view = this.view(file);
    if (view.kind === 'indexed') {
      // An index describes string keys only (SPEC §7.9): no labels to add.
      const keys = view.autosave.records.map(({ key, encoding, size }) => ({ key, encoding: encodingName(encoding), size, fileName: fileNameForKey(key, encoding) }));
      this.events.log(`readRun ${file}: ${keys.length} keys from the record index in ${Date.now() - started} ms`);
      return { file, keys, generation: 'newest' };
    }
    const { data, generation, fallback, header } = await view.autosave;
    const keys = [...data.stored()].map(({ key, encoding, size }) => {
      const type = keyType(key);
      const typed = type !== undefined && { label: keyLabel(key), keyType: type };
      return { key, ...typed, encoding: encodingName(encoding), size, fileName: fileNameForKey(key, encoding) };
    });
    this.events.log(`readRun ${file}: ${keys.length} keys, ${formatBytes(header.data.size)} decompressed whole in ${Date.now() - started} ms${generation === 'previous' ? ' (previous generation)' : ''}`);
    return { file, keys, generation, ...(fallback !== undefined && { fallback }) };
  }

  async value(params: ValueParams): Promise<ValueView> {
    try {
      return await this.render(params);
    } catch (error) {
      if (!(error instanceof AutosaveError) || error.problem !== 'invalid' || this.views.get(params.file)?.kind !== 'indexed') throw error;
      // Damage found by an indexed read: the whole read decides (it may fall back to the previous generation).
      this.events.log(`readValue ${params.file}: ${error.detail}; reading the file whole`);
      this.damaged.add(this.views.get(params.file)!.stamp);
      this.views.delete(params.file);
      this.events.contentsChanged(params.file);
      return this.render(params);
    }
  }

  private async render({ file, key, extent, page = 0 }: ValueParams): Promise<ValueView> {
    const started = Date.now();
    const value = await this.source(file, key);
    const { encoding, size } = value;
    if (extent === 'whole') {
      if (size > WHOLE_VALUE_BYTES) throw new AutosaveError(file, 'too-large', `the value of ${JSON.stringify(keyLabel(key))} is ${formatBytes(size)}, more than can be shown whole (${formatBytes(WHOLE_VALUE_BYTES)}); save it to a file instead`);
      const view = shownWhole(encoding, await value.read(0, size));
      return { encoding: encodingName(encoding), ...view, size, shownBytes: size, start: 0, page: 0, pages: 1 };
    }
    const pages = Math.max(1, Math.ceil(size / PAGE_BYTES));
    if (!Number.isInteger(page) || page < 0 || page >= pages) throw new AutosaveError(file, 'invalid', `the value of ${JSON.stringify(keyLabel(key))} has no page ${page + 1} (it has ${pages})`);
    if (pages === 1) {
      const view = shownWhole(encoding, await value.read(0, size));
      return { encoding: encodingName(encoding), ...view, size, shownBytes: size, start: 0, page: 0, pages };
    }
    const jsonState = await this.jsonStateAt(file, key, value, page);
    const shown = await pageOf(value, page, jsonState);
    this.events.log(`readValue ${file} ${JSON.stringify(keyLabel(key))}: page ${page + 1} of ${pages} (bytes ${shown.start}–${shown.end} of ${size}) in ${Date.now() - started} ms`);
    return { encoding: encodingName(encoding), rendering: shown.rendering, text: shown.text, size, shownBytes: shown.end - shown.start, start: shown.start, page, pages };
  }

  /**
   * Where pretty-printing stands at the start of `page`: each page before it is rendered once
   * (in order, from the last one known), so that reading on page by page costs a page each.
   * Undefined for what is not pretty-printed: a JSON string (shown as text), and every other encoding.
   */
  private async jsonStateAt(file: string, key: string, value: ValueSource, page: number): Promise<JsonIndentState | undefined> {
    if (value.encoding !== Encoding.Json) return undefined;
    const first = (await value.read(0, Math.min(value.size, 64))).toString('latin1').trimStart();
    if (first.startsWith('"')) return undefined;
    const id = `${this.views.get(file)?.stamp}\u0000${key}`;
    const states = this.jsonStates.get(id) ?? [JSON_START];
    this.jsonStates.set(id, states);
    while (states.length <= page) {
      const before = await pageOf(value, states.length - 1, states[states.length - 1]);
      if (!before.jsonState) return undefined; // not text: the page is a hex dump, as the ones before
      states.push(before.jsonState);
    }
    return states[page];
  }

  async save({ file, key, target }: SaveValueParams): Promise<{ bytes: number }> {
    const view = this.view(file);
    const record = view.kind === 'indexed' ? recordOf(view.autosave, key) : undefined;
    if (view.kind === 'whole' || !record) {
      const { bytes } = await this.raw(file, key);
      writeFileSync(target, bytes, { mode: 0o600 }); // the editor's save dialog asked before replacing
      return { bytes: bytes.length };
    }
    const fd = openSync(target, 'w', 0o600);
    try {
      // Block by block, any size; the record's checksum is verified at its end, and a failure removes the file.
      await streamValueRange(view.autosave, record, 0, record.size, this.blockSource(), (part) => writeFileSync(fd, part)); // the whole part, at the file's offset
    } catch (error) {
      closeSync(fd);
      rmSync(target, { force: true });
      throw error;
    }
    closeSync(fd);
    return { bytes: record.size };
  }

  /** Writes every value into `folder` (new, or empty) with index.json, as `faultguard recover --out` does. */
  async recover({ file, folder }: RecoverRunParams): Promise<RecoveredRun> {
    const existing = lstatSync(folder, { throwIfNoEntry: false });
    if (existing && (!existing.isDirectory() || readdirSync(folder).length > 0)) throw new Error(`${folder}: the folder is not empty; not writing over anything in it`);
    let recovered: RecoveredRun | undefined;
    await recover(
      (data) => {
        recovered = { folder, files: writeValuesDirectory(data, folder) };
      },
      file,
      { ...this.limits().judge, read: (path) => this.wholeRead(path) },
    );
    return recovered!;
  }

  /** Removes the autosave with its previous generation (or moves them with `dispose`); refuses a live run's. */
  discard(file: string, dispose?: (path: string) => void): string[] {
    this.views.delete(file);
    return removeAutosave(file, { ...this.limits().judge, ...(dispose && { dispose }) });
  }

  private async source(file: string, key: string): Promise<ValueSource> {
    const view = this.view(file);
    if (view.kind === 'indexed') {
      const record = recordOf(view.autosave, key);
      if (!record) throw new AutosaveError(file, 'invalid', `has no key ${JSON.stringify(keyLabel(key))} (any more)`);
      return { encoding: record.encoding, size: record.size, read: (start, end) => readValueRange(view.autosave, record, start, end, this.blockSource()) };
    }
    const { encoding, bytes } = await this.raw(file, key);
    return { encoding, size: bytes.length, read: async (start, end) => bytes.subarray(start, end) };
  }

  private blockSource() {
    return { decode: decodeBlockWithWasm, cache: this.blocks };
  }

  private async raw(file: string, key: string): Promise<{ encoding: number; bytes: Buffer }> {
    const value = (await this.wholeRead(file)).data.readRaw(key);
    if (!value) throw new AutosaveError(file, 'invalid', `has no key ${JSON.stringify(keyLabel(key))} (any more)`);
    return value;
  }

  /** The file's current view: by its index when it has a usable one, else read whole. */
  private view(file: string): View {
    const stamp = stampOf(file);
    const cached = this.views.get(file);
    if (cached?.stamp === stamp) {
      this.views.delete(file);
      this.views.set(file, cached); // the map's order is the order of use
      return cached;
    }
    const indexed = this.damaged.has(stamp) ? { unindexed: 'its data failed an indexed read' } : openIndexed(file);
    if ('unindexed' in indexed || indexed.header.data.size <= WHOLE_READ_BYTES) {
      this.events.log(`${file}: read whole (${'unindexed' in indexed ? indexed.unindexed : `${formatBytes(indexed.header.data.size)} of data`})`);
      return this.wholeView(file, stamp);
    }
    const view: View = { stamp, kind: 'indexed', autosave: indexed };
    this.views.delete(file);
    this.views.set(file, view);
    return view;
  }

  private wholeRead(file: string): Promise<Autosave> {
    const view = this.views.get(file);
    if (view?.kind === 'whole' && view.stamp === stampOf(file)) return view.autosave;
    return this.wholeView(file, stampOf(file)).autosave;
  }

  private wholeView(file: string, stamp: string): View & { kind: 'whole' } {
    const autosave = readAutosave(file, { decompress: decompressWithWasm, maxBytes: this.limits().maxBytes });
    const view = { stamp, kind: 'whole' as const, autosave, bytes: 0 };
    this.views.delete(file);
    this.views.set(file, view);
    autosave.then(
      ({ header }) => {
        view.bytes = header.data.size;
        this.evict(file);
      },
      () => this.views.get(file) === view && this.views.delete(file), // errors are not kept: the next try reads again
    );
    return view;
  }

  /**
   * Drops the least recently used whole reads while all together are over the budget: never
   * `keep` (just read), never a read still under way (it frees nothing yet, and its caller waits for it).
   */
  private evict(keep: string): void {
    let total = 0;
    for (const view of this.views.values()) if (view.kind === 'whole') total += view.bytes;
    for (const [file, view] of this.views) {
      if (total <= CACHE_BYTES) break;
      if (file === keep || view.kind !== 'whole' || view.bytes === 0) continue;
      this.views.delete(file);
      total -= view.bytes;
    }
  }
}

/** A value that fits one page (or is asked for whole): rendered from all its bytes; a faulty writer's "JSON" as the bytes it is. */
function shownWhole(encoding: number, bytes: Buffer): { rendering: ValueView['rendering']; text: string } {
  try {
    return renderValue(encoding, bytes, { stringsAsText: true });
  } catch (error) {
    if (!(error instanceof NotJsonError)) throw error;
    return renderValue(Encoding.Bytes, bytes);
  }
}

/** Page `page` of a value larger than one, with the bytes around it that tell where its characters begin. */
async function pageOf(value: ValueSource, page: number, jsonState: JsonIndentState | undefined) {
  const start = page * PAGE_BYTES;
  const end = Math.min(value.size, start + PAGE_BYTES);
  const windowStart = Math.max(0, start - PAGE_LOOKBACK_BYTES);
  const bytes = await value.read(windowStart, Math.min(value.size, end + 3));
  return renderPage(value.encoding, { bytes, windowStart, start, end, size: value.size }, jsonState);
}

function recordOf(autosave: IndexedAutosave, key: string): IndexedRecord | undefined {
  return autosave.records.find((record) => record.key === key);
}

/** Which version of the files a cached read came from: any save changes it. */
function stampOf(file: string): string {
  return [file, previousGenerationPath(file)]
    .map((path) => lstatSync(path, { throwIfNoEntry: false }))
    .map((stat) => (stat ? `${stat.ino}:${stat.size}` : '-')) // not the time: the heartbeat moves it, saves replace the file
    .join('/');
}
