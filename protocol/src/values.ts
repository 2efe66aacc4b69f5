// Value encodings (protocol/SPEC.md §3). Decoding never runs code: JSON is parsed as data,
// everything else is handed out as bytes.

/**
 * How a value is stored (protocol/SPEC.md §3): the tag beside its bytes.
 *
 * @example
 * ```ts
 * const raw = data.readRaw('model');
 * if (raw?.encoding === Encoding.PythonPickle) console.log('a pickle: never unpickled here');
 * ```
 */
export enum Encoding {
  /** UTF-8 JSON text (RFC 8259). */
  Json = 1,
  /** Raw bytes. */
  Bytes = 2,
  /** A Python pickle, written only when its user asks for it. Never unpickled by Faultguard's tools. */
  PythonPickle = 3,
}

const ENCODING_NAMES: Readonly<Record<number, string>> = {
  [Encoding.Json]: 'json',
  [Encoding.Bytes]: 'bytes',
  [Encoding.PythonPickle]: 'python-pickle',
};

export function encodingName(encoding: number): string {
  return ENCODING_NAMES[encoding] ?? `unknown-${encoding}`;
}

/**
 * A value whose encoding this reader does not decode (a Python pickle, say): its bytes,
 * untouched, with the tag. Stored again with `set()`, it keeps its tag.
 *
 * @example
 * ```ts
 * const value = data.get('model');
 * if (value instanceof OpaqueValue) console.log(`${value.encodingName}, ${value.bytes.length} bytes`);
 * ```
 */
export class OpaqueValue {
  /**
   * @param encoding - the encoding tag
   * @param bytes - the value's bytes
   */
  constructor(
    /** The encoding tag (protocol/SPEC.md §3). */
    readonly encoding: number,
    /** The value's bytes, as stored. */
    readonly bytes: Buffer,
  ) {}

  /** "python-pickle", or "unknown-<tag>". */
  get encodingName(): string {
    return encodingName(this.encoding);
  }
}

export interface EncodedValue {
  readonly encoding: number;
  readonly bytes: Uint8Array;
}

/**
 * Binary values are stored as they are (no copy); every other value as JSON.
 * Values JSON cannot represent at all are refused rather than silently stored as something else.
 */
export function encodeValue(value: unknown): EncodedValue {
  if (value instanceof Uint8Array) return { encoding: Encoding.Bytes, bytes: value };
  if (value instanceof OpaqueValue) return { encoding: checkedTag(value.encoding), bytes: value.bytes };
  if (ArrayBuffer.isView(value)) {
    return { encoding: Encoding.Bytes, bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  }
  if (value instanceof ArrayBuffer) return { encoding: Encoding.Bytes, bytes: new Uint8Array(value) };
  // A replacer takes V8 off its fast serializer: only objects can hide what JSON would lose.
  const text = typeof value === 'object' && value !== null ? JSON.stringify(value, refuseWhatJsonWouldLose) : JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`a ${typeof value} cannot be stored: values are JSON-compatible data or bytes`);
  }
  return { encoding: Encoding.Json, bytes: Buffer.from(text, 'utf8') };
}

/**
 * The tag an opaque value is stored under fills one byte of its record, and 0 is the tag of
 * Delete and Clear (SPEC §3): anything else would be stored as another tag than the one given.
 */
function checkedTag(tag: number): number {
  if (tag === 0) throw new RangeError('an opaque value cannot be stored with tag 0: it is reserved for Delete and Clear records (tags 1 to 255)');
  if (!Number.isInteger(tag) || tag < 1 || tag > 255) throw new RangeError(`an encoding tag is an integer from 1 to 255, not ${tag}`);
  return tag;
}

/**
 * JSON.stringify turns a Map or Set into {} and drops functions without a word: a rescue would
 * then find the data gone. Refuse them instead. (undefined properties are left out and NaN
 * becomes null, as everywhere JSON is used.)
 */
function refuseWhatJsonWouldLose(key: string, value: unknown): unknown {
  const where = key === '' ? '' : ` (at ${JSON.stringify(key)})`;
  if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`a ${typeof value}${where} cannot be stored as JSON`);
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet) {
    throw new TypeError(`a ${value.constructor.name}${where} cannot be stored as JSON: convert it (e.g. Object.fromEntries, Array.from) first`);
  }
  return value;
}

/** `bytes` must be a private copy: the returned Buffer for binary values is that very object. */
export function decodeValue(encoding: number, bytes: Buffer): unknown {
  switch (encoding) {
    case Encoding.Json:
      return JSON.parse(bytes.toString('utf8'));
    case Encoding.Bytes:
      return bytes;
    default:
      return new OpaqueValue(encoding, bytes);
  }
}
