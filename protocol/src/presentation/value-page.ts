import { Encoding } from '../values';
import { hexDump, incompleteCharacterBytes, renderValue, textOf, type ValueRendering } from './value-text';

// One page of a large value, for the editor: the value's bytes [page × PAGE_BYTES, …), shown the
// way the whole value would be (JSON pretty-printed, text, a hex dump) as far as a page allows.
// A page never cuts a character (or a JSON string's escape): one cut at the end of a page is
// shown whole at the start of the next.

/** How far before a page the bytes are needed, to know whether its first character began on the page before. */
export const PAGE_LOOKBACK_BYTES = 64;

/** Where JSON text stands at some byte: what pretty-printing the rest needs to know. */
export interface JsonIndentState {
  readonly depth: number;
  readonly inString: boolean;
  readonly escaped: boolean;
  /** Just after `{` or `[`: an empty container closes on the same line. */
  readonly opened: boolean;
}

export const JSON_START: JsonIndentState = { depth: 0, inString: false, escaped: false, opened: false };

export interface PageWindow {
  /** The value's bytes [windowStart, windowStart + bytes.length): the page, PAGE_LOOKBACK_BYTES before it, 3 after. */
  readonly bytes: Uint8Array;
  readonly windowStart: number;
  /** The page's nominal bounds in the value, and the value's size. */
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

export interface RenderedPage {
  readonly rendering: ValueRendering;
  readonly text: string;
  /** The bytes it shows: the nominal bounds moved so as not to cut a character. */
  readonly start: number;
  readonly end: number;
  /** For pretty-printed JSON: where the text stands at the end of the page (the next page's start). */
  readonly jsonState?: JsonIndentState;
}

/**
 * A page of a value. `jsonState` is where JSON text stands at the page's start (JSON_START for the
 * first page); given for JSON that is not a string, the page is pretty-printed from there.
 */
export function renderPage(encoding: number, window: PageWindow, jsonState?: JsonIndentState): RenderedPage {
  const { bytes, windowStart, size } = window;
  const at = (offset: number) => offset - windowStart;
  if (window.start === 0 && window.end === size) return { ...renderValue(encoding, bytes.subarray(at(0), at(size)), { stringsAsText: true }), start: 0, end: size };
  if (encoding === Encoding.Json || encoding === Encoding.Bytes) {
    const jsonString = encoding === Encoding.Json && jsonState === undefined;
    const cut = (offset: number) => (offset === 0 || offset === size ? offset : offset - cutBytes(bytes.subarray(0, at(offset)), jsonString));
    const start = cut(window.start);
    const end = cut(window.end);
    const shown = bytes.subarray(at(start), at(end));
    if (encoding === Encoding.Json && jsonState) {
      const text = textOf(shown);
      if (text !== undefined) {
        const indented = indentJson(text, jsonState);
        return { rendering: 'json', text: indented.text, start, end, jsonState: indented.state };
      }
    } else if (jsonString) {
      const text = jsonStringPart(shown, start === 0, end === size);
      if (text !== undefined) return { rendering: 'text', text, start, end };
    } else {
      const text = textOf(shown);
      if (text !== undefined) return { rendering: 'text', text, start, end };
    }
  }
  return { rendering: 'hex', text: hexDump(bytes.subarray(at(window.start), at(window.end)), window.start), start: window.start, end: window.end };
}

/** How many bytes at the end of `before` belong to a character (or a JSON escape) that goes on after it. */
function cutBytes(before: Uint8Array, jsonString: boolean): number {
  const character = incompleteCharacterBytes(before);
  if (!jsonString) return character;
  // A backslash run of odd length, maybe with part of \uXXXX: the escape is not over.
  const tail = Buffer.from(before.subarray(0, before.length - character)).toString('latin1');
  const escape = /(\\+)(u[0-9a-fA-F]{0,3})?$/.exec(tail);
  return character + (escape && escape[1].length % 2 === 1 ? escape[0].length - escape[1].length + 1 : 0);
}

/** The text of a part of a JSON string's encoding (its quotes included at its ends), or undefined if it is no such part. */
function jsonStringPart(bytes: Uint8Array, first: boolean, last: boolean): string | undefined {
  let raw = textOf(bytes);
  if (raw === undefined) return undefined;
  if (first) {
    if (!raw.startsWith('"')) return undefined;
    raw = raw.slice(1);
  }
  if (last) {
    if (!raw.endsWith('"')) return undefined;
    raw = raw.slice(0, -1);
  }
  try {
    const text = JSON.parse(`"${raw}"`) as unknown;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * JSON text re-indented as JSON.stringify(value, null, 2) would show it, from any point of a
 * document (a page): white space between tokens is replaced, strings and numbers pass as they are.
 */
export function indentJson(text: string, from: JsonIndentState): { text: string; state: JsonIndentState } {
  let { depth, inString, escaped, opened } = from;
  let out = '';
  const newline = (level: number) => `\n${'  '.repeat(Math.max(0, level))}`;
  for (const char of text) {
    if (inString) {
      out += char;
      if (escaped) escaped = false;
      else if (char === '\\') escaped = true;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') continue;
    if (opened) {
      opened = false;
      if (char === '}' || char === ']') {
        out += char;
        continue;
      }
      depth++;
      out += newline(depth);
    }
    if (char === '{' || char === '[') {
      out += char;
      opened = true;
    } else if (char === '}' || char === ']') {
      depth--;
      out += newline(depth) + char;
    } else if (char === ',') {
      out += `,${newline(depth)}`;
    } else if (char === ':') {
      out += ': ';
    } else {
      if (char === '"') inString = true;
      out += char;
    }
  }
  return { text: out, state: { depth, inString, escaped, opened } };
}
