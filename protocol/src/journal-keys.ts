// Keys that are not strings (protocol/SPEC.md §2.3, journal version 2): an int, or a pickled
// Python object with a readable label, as the Python client stores them. Readers here never
// unpickle; they name such a key by its label.
//
// A scanned journal maps every key to a string: a string key is itself, and a typed key is an id
// that begins with U+DC00, a lone surrogate. A string key is always well-formed Unicode (it is
// decoded strictly), so no string key can equal an id: the two never merge.

const TYPED = '\udc00';

export enum KeyKind {
  Int = 1,
  PythonPickle = 2,
}

export const KEY_KIND_NAMES: Readonly<Record<number, string>> = { [KeyKind.Int]: 'int', [KeyKind.PythonPickle]: 'python-pickle' };

/** The id of a typed key: its kind and the bytes after the kind byte. */
export function typedKeyId(kind: number, bytes: Uint8Array): string {
  return `${TYPED}${String.fromCharCode(kind)}${Buffer.from(bytes).toString('latin1')}`;
}

export interface TypedKey {
  readonly kind: number;
  readonly bytes: Buffer;
}

/** The typed key an id stands for, or undefined for a string key. */
export function typedKey(key: string): TypedKey | undefined {
  if (!key.startsWith(TYPED)) return undefined;
  return { kind: key.charCodeAt(1), bytes: Buffer.from(key.slice(2), 'latin1') };
}

/** The key field of a typed key's records: its kind byte, then its bytes. */
export function typedKeyField(key: TypedKey): Buffer {
  return Buffer.concat([Buffer.of(key.kind), key.bytes]);
}

/** `int`, `python-pickle`, `unknown-<kind>`; undefined for a string key. */
export function keyType(key: string): string | undefined {
  const typed = typedKey(key);
  return typed && (KEY_KIND_NAMES[typed.kind] ?? `unknown-${typed.kind}`);
}

/** How a key reads for people: a string key as it is, an int as its digits, a pickled key by its label. */
export function keyLabel(key: string): string {
  const typed = typedKey(key);
  if (typed === undefined) return key;
  if (typed.kind === KeyKind.Int) return typed.bytes.toString('latin1');
  if (typed.kind === KeyKind.PythonPickle) return typed.bytes.toString('utf8', 2, 2 + typed.bytes.readUInt16LE(0));
  return `<key of kind ${typed.kind}, ${typed.bytes.length} bytes>`;
}

const CANONICAL_INT = /^-?(0|[1-9][0-9]*)$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a typed key field is ill-formed (damage, §2.6 e), or undefined; a kind this reader does not know is opaque, not damage. */
export function typedKeyProblem(field: Uint8Array): string | undefined {
  if (field.length === 0) return 'typed key has no kind';
  const bytes = Buffer.from(field.buffer, field.byteOffset + 1, field.length - 1);
  if (field[0] === KeyKind.Int) return CANONICAL_INT.test(bytes.toString('latin1')) ? undefined : 'int key is not a canonical decimal number';
  if (field[0] === KeyKind.PythonPickle) {
    if (bytes.length < 2) return 'pickled key cut short';
    const label = bytes.readUInt16LE(0);
    if (2 + label >= bytes.length) return 'pickled key has no pickle after its label';
    try {
      utf8.decode(bytes.subarray(2, 2 + label));
    } catch {
      return "pickled key's label is not UTF-8";
    }
  }
  return undefined;
}

/** A key as JSON output and index.json show it: the label, and for a typed key its type and exact bytes. */
export function describeKey(key: string): { key: string; keyType?: string; keyBytes?: string } {
  const typed = typedKey(key);
  if (typed === undefined) return { key };
  return { key: keyLabel(key), keyType: keyType(key)!, keyBytes: typed.bytes.toString('base64') };
}
