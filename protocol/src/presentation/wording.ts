// How Faultguard words what it shows people, the same in the CLI and the editor: sizes, ages,
// counts, command lines, and text from a file made safe to show. Pure functions, no `vscode`.
import { basename, isAbsolute, relative } from 'node:path';

/** A size for people, in binary units: "512 B", "1.5 KiB", "24 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A length of time, rounded to its largest whole unit: "59 s", "2 min", "3 h", "1 day", "4 days". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (Math.round(s) < 60) return `${Math.round(s)} s`;
  if (Math.round(s / 60) < 60) return `${Math.round(s / 60)} min`;
  if (Math.round(s / 3600) < 24) return `${Math.round(s / 3600)} h`;
  return countOf(Math.round(s / 86_400), 'day');
}

/** "5 s ago", "2 min ago", "4 days ago"; within 5 s, or in the future (clock skew), "just now". */
export function ago(time: number, now: number): string {
  const seconds = (now - time) / 1000;
  if (!Number.isFinite(seconds)) return 'at an unknown time';
  return seconds < 5 ? 'just now' : `${formatDuration(seconds)} ago`;
}

/** "1 value", "3 values". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text from a file (a header, a file name) made safe for a terminal: control characters, which
 * could move the cursor or rewrite the screen, are shown as \xNN escapes instead.
 */
export function printable(text: string): string {
  // Looked for first: nearly every cell of a listing has none, and the test costs less than a replace.
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROLS, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Text from a file on one line of at most `max` characters: a hostile header cannot draw on a view. */
export function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return truncate(text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' '), max);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What tells runs apart in a list: `node app.js edit`, without options and parent folders. */
export function briefCommand(command: readonly string[]): string {
  return command
    .filter((part) => !part.startsWith('-'))
    .map((part) => (part.includes('/') ? basename(part) : part))
    .join(' ');
}

/**
 * `node app.js`: the program's own path shortened to its file name, and paths inside its working
 * folder made relative to it; on one line of at most `max` characters.
 */
export function commandLabel(command: readonly string[], cwd: string, max = 80): string {
  const [program = '', ...args] = command;
  const shown = args.map((arg) => (isAbsolute(arg) && arg.startsWith(`${cwd}/`) ? relative(cwd, arg) : arg));
  return oneLine([basename(program), ...shown].join(' '), max);
}
