// Where a line of a stack trace points: a V8 frame (`at main (/app/crash.js:5:9)`, `at
// file:///app/x.mjs:3:1`) or a Python one (`File "/app/app.py", line 12, in load`, and
// faulthandler's `File "/app/app.py", line 12 in load`). Pure, so it is tested without an editor.
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface FrameLocation {
  /** The function, when the frame names one. */
  readonly name?: string;
  /** Absolute path of the file. */
  readonly file: string;
  /** From 1, as the trace says. */
  readonly line: number;
  readonly column?: number;
  /** Where the location is in the line (`[start, end)`): what a document link covers. */
  readonly start: number;
  readonly end: number;
}

const V8_FRAME = /^(\s*at (?:(.+?) \()?)((?:file:\/\/)?[^\s()][^()]*?):(\d+):(\d+)\)?\s*$/;
const PYTHON_FRAME = /^(\s*File ")([^"]+)(", line (\d+))(?:,? in (.+))?\s*$/;

/**
 * The file and line a line of a trace names, or undefined for any other line (a message, Node's
 * own `node:internal/…` frames, `<anonymous>`). A relative path is taken from `cwd`, the program's.
 */
export function frameLocation(text: string, cwd?: string): FrameLocation | undefined {
  const v8 = V8_FRAME.exec(text);
  if (v8) {
    const [, before, name, place, line, column] = v8;
    const file = pathOf(place, cwd);
    return file === undefined ? undefined : { ...(name && { name }), file, line: Number(line), column: Number(column), start: before.length, end: before.length + place.length + line.length + column.length + 2 };
  }
  const python = PYTHON_FRAME.exec(text);
  if (python) {
    const [, before, place, rest, line, name] = python;
    const file = pathOf(place, cwd);
    return file === undefined ? undefined : { ...(name && { name: name.trim() }), file, line: Number(line), start: before.length, end: before.length + place.length + rest.length };
  }
  return undefined;
}

/** A V8 frame that names no file (`at Module._load (node:internal/modules/cjs/loader:1104:12)`): its function and place. */
export function otherFrame(text: string): { name: string; place: string } | undefined {
  const frame = /^\s*at (?:(.+?) \((.+)\)|(.+))$/.exec(text);
  if (!frame) return undefined;
  return frame[3] === undefined ? { name: frame[1], place: frame[2] } : { name: frame[3], place: '' };
}

/** A file path, or undefined for what names no file (`node:fs`, `<string>`, `evalmachine.<anonymous>`). */
function pathOf(place: string, cwd: string | undefined): string | undefined {
  if (place.startsWith('file://')) {
    try {
      return fileURLToPath(place);
    } catch {
      return undefined;
    }
  }
  if (isAbsolute(place)) return place;
  if (/^[\w-]+:|^</.test(place) || cwd === undefined) return undefined;
  return resolve(cwd, place);
}
