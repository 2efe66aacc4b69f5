import { Encoding } from '../values';

// How a stored value reads as text, for the CLI's `inspect` and the editor's recovery service:
// JSON pretty-printed, UTF-8 text as it is, anything else (opaque values included, which are
// never decoded) as a hex dump.

/**
 * How `renderValue()` showed a value: JSON pretty-printed, text as it is, or a hex dump.
 *
 * @example
 * ```ts
 * const { rendering }: { rendering: ValueRendering } = renderValue(Encoding.Bytes, Buffer.from([0, 1])); // 'hex'
 * ```
 */
export type ValueRendering = 'json' | 'text' | 'hex';

/**
 * A value tagged JSON whose bytes are not JSON: a faulty writer, shown as bytes instead by callers that can.
 *
 * @example
 * ```ts
 * try {
 *   renderValue(Encoding.Json, Buffer.from('{not json'));
 * } catch (error) {
 *   if (error instanceof NotJsonError) console.log('tagged JSON, but is not: show it as bytes');
 * }
 * ```
 */
export class NotJsonError extends Error {
  /** "NotJsonError" */
  override readonly name = 'NotJsonError';
}

/**
 * How `renderValue()` reads the bytes.
 *
 * @example
 * ```ts
 * renderValue(Encoding.Json, firstPage, { partial: true } satisfies RenderOptions);
 * ```
 */
export interface RenderOptions {
  /** The bytes are only the value's beginning: JSON is then shown as the text it is, since a cut document cannot be parsed. */
  readonly partial?: boolean;
  /** A JSON string is shown as its text (a document's text reads as text, not as one quoted line). */
  readonly stringsAsText?: boolean;
}

/**
 * Renders a value's bytes for people, as `faultguard inspect` shows them: JSON pretty-printed,
 * UTF-8 text as it is, anything else (opaque values included, never decoded) as a hex dump.
 *
 * @example
 * ```ts
 * import { renderValue } from 'faultguard';
 *
 * const raw = data.readRaw('document');
 * if (raw) console.log(renderValue(raw.encoding, raw.bytes).text);
 * ```
 */
export function renderValue(
  encoding: number,
  bytes: Uint8Array,
  { partial = false, stringsAsText = false }: RenderOptions = {},
): {
  /** How it was shown. */
  rendering: ValueRendering;
  /** What to show. */
  text: string;
} {
  if (encoding === Encoding.Json && !partial) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      throw new NotJsonError('tagged JSON but is not JSON');
    }
    if (stringsAsText && typeof value === 'string') return { rendering: 'text', text: value };
    return { rendering: 'json', text: `${JSON.stringify(value, null, 2)}\n` };
  }
  if (encoding === Encoding.Json && stringsAsText) {
    const text = stringBeginning(Buffer.from(wholeCharacters(bytes)).toString('utf8'));
    if (text !== undefined) return { rendering: 'text', text };
  }
  if (encoding === Encoding.Json || encoding === Encoding.Bytes) {
    const text = asText(partial ? wholeCharacters(bytes) : bytes);
    if (text !== undefined) return { rendering: 'text', text };
  }
  return { rendering: 'hex', text: hexDump(bytes) };
}

/** The text of a JSON string cut short (`"line one\nline tw`), or undefined if it is not one. */
function stringBeginning(json: string): string | undefined {
  if (!json.startsWith('"')) return undefined;
  // Drop an escape cut in the middle: a last `\` or `\uXX` that is not itself an escaped backslash.
  const cut = /(\\+)(u[0-9a-fA-F]{0,3})?$/.exec(json);
  const whole = cut && cut[1].length % 2 === 1 ? json.slice(0, cut.index + cut[1].length - 1) : json;
  try {
    const text = JSON.parse(`${whole}"`) as unknown;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The bytes up to the last whole UTF-8 character: a page may end inside one. */
function wholeCharacters(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  // Step back over at most 3 continuation bytes to the lead byte, and drop it if its character is cut.
  for (let back = 1; back <= 4 && end - back >= 0; back++) {
    const byte = bytes[end - back];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, end - back) : bytes;
  }
  return bytes;
}

/** A classic hex dump: offset, 16 bytes in hex, and the printable ASCII beside them. */
function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    const text = Array.from(row, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  |${text}|`);
  }
  return lines.join('\n') + '\n';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, if they are UTF-8 without control characters (C0 other than tab and line ends, or C1). */
function asText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(text) ? undefined : text;
}

