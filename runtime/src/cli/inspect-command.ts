import { contextText, countOf, describeKey, Encoding, encodingName, formatBytes, keyLabel, keyType, NotJsonError, printable, renderValue, type CrashContext } from '@faultguard/protocol';
import type { DataView } from '../data/data-view';
import { AutosaveError } from '../recovery/autosave-error';
import { openKeptJournal, type KeptJournal } from '../recovery/kept-journal';
import type { Autosave } from '../recovery/read-autosave';
import { judgeRun } from '../recovery/run-state';
import { parseCommand, sizeOption, stringOption, UsageError, type OptionSpec } from './arguments';
import { loadAutosave, MAX_SIZE_HELP } from './load-autosave';
import { formatTable } from './text-format';
import { BROKEN_PIPE_HELP } from './output-streams';

/** Lines of a stack, a trace or an output shown at most; the rest is in `--json`. */
const MAX_CONTEXT_LINES = 20;

export const INSPECT_USAGE = `Usage: faultguard inspect [options] FILE [KEY]

Shows an autosave: who wrote it, how the run ended, and its keys with encoding
and size. With KEY, prints that value: JSON pretty-printed, text as text, other
bytes as a hex dump. Opaque values (such as python-pickle) are shown as bytes
and never decoded. A key that is not a string (an int or a pickled key, from
Python) is named by its label as the key list shows it; --key-type tells it from
a string key of the same text. A damaged newest generation is replaced by the previous one,
with a warning. FILE may also be a run's journal that a guard kept (the guard
says where: "kept in .../journal").

Options:
  --json              machine-readable output (a value as JSON, or base64)
  --raw               with KEY: the value's bytes exactly as stored, on stdout
  --key-type <type>   with KEY: str, int or python-pickle (default: a string
                      key if there is one, else the one key with that label)
${MAX_SIZE_HELP}
  -h, --help          show this help

Exit status: 0 shown; 1 the file cannot be read or has no such KEY; 2 bad usage;
${BROKEN_PIPE_HELP}.
`;

export const OPTIONS: Record<string, OptionSpec> = {
  json: { value: false },
  raw: { value: false },
  'key-type': { value: true },
  'max-size': { value: true },
};

export async function inspectCommand(argv: readonly string[]): Promise<void> {
  const parsed = parseCommand(argv, OPTIONS, INSPECT_USAGE, false);
  if (!parsed) return;
  const [file, key, ...extra] = parsed.operands;
  if (file === undefined) throw new UsageError('inspect needs an autosave FILE');
  if (extra.length > 0) throw new UsageError(`inspect takes one FILE and at most one KEY, not also ${JSON.stringify(extra[0])}`);
  const json = parsed.options.has('json');
  const raw = parsed.options.has('raw');
  if (raw && (json || key === undefined)) throw new UsageError('--raw needs a KEY and no --json');
  const how = json ? 'json' : raw ? 'raw' : 'human';
  const wantedType = stringOption(parsed, 'key-type');
  if (wantedType !== undefined && key === undefined) throw new UsageError('--key-type needs a KEY');
  const kept = openKeptJournal(file);
  if (kept) {
    try {
      if (key === undefined) showJournal(kept, json);
      else showValue(file, kept.data, findKey(file, kept.data, key, wantedType), how);
    } finally {
      kept.data.close();
    }
    return;
  }
  const autosave = await loadAutosave(file, sizeOption(parsed, 'max-size'));
  if (key === undefined) showRun(autosave, json);
  else showValue(autosave.file, autosave.data, findKey(autosave.file, autosave.data, key, wantedType), how);
}

/** The stored key a KEY operand names: a string key itself, else the one typed key with that label. */
function findKey(file: string, data: DataView, operand: string, wanted: string | undefined): string {
  const matches = [...data.keys()].filter((key) => keyLabel(key) === operand && (wanted === undefined || (keyType(key) ?? 'str') === wanted));
  const chosen = wanted === undefined && data.has(operand) ? operand : matches.length === 1 ? matches[0] : undefined;
  if (chosen !== undefined) return chosen;
  const known = [...data.keys()].map(shownKey).join(', ');
  const why = matches.length > 1 ? `${matches.length} keys are shown as ${JSON.stringify(operand)}: give --key-type` : `no key ${JSON.stringify(operand)}${wanted ? ` of type ${wanted}` : ''}`;
  throw new AutosaveError(file, 'invalid', `${why} (keys: ${known || 'none'})`);
}

/** A key for people: a string key quoted, any other by its label and type, `5 (int)`. */
function shownKey(key: string): string {
  const type = keyType(key);
  return type === undefined ? JSON.stringify(key) : `${keyLabel(key)} (${type})`;
}

function keysOf(data: DataView): Array<{ key: string; keyType?: string; keyBytes?: string; encoding: string; size: number; shown: string }> {
  return [...data.keys()].map((key) => {
    const { encoding, bytes } = data.readRaw(key)!;
    return { ...describeKey(key), encoding: encodingName(encoding), size: bytes.length, shown: shownKey(key) };
  });
}

/** The key list as --json prints it (without the text column). */
function jsonKeys(keys: ReturnType<typeof keysOf>) {
  return keys.map(({ shown: _shown, ...rest }) => rest);
}

function printFields(lines: readonly (readonly string[])[], keys: ReturnType<typeof keysOf>, context: CrashContext | undefined): void {
  process.stdout.write(lines.map(([name, value]) => `${name.padEnd(8)} ${printable(value)}`).join('\n') + '\n');
  const why = context && contextText(context, MAX_CONTEXT_LINES, (count) => `… ${count} more lines (inspect --json shows them)`);
  if (why) process.stdout.write(`\n${why}`);
  if (keys.length > 0) {
    process.stdout.write('\n' + formatTable(['KEY', 'ENCODING', 'SIZE'], keys.map((k) => [printable(k.shown), k.encoding, formatBytes(k.size)])));
  }
}

function showJournal({ file, data, run }: KeptJournal, json: boolean): void {
  const keys = keysOf(data);
  const damage = data.damage && `${data.damage.reason} at byte ${data.damage.offset}; every record before it is here (${data.damage.skippedBytes} bytes skipped)`;
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, kind: 'journal', run, ...(damage && { damage }), ...(data.context && { context: data.context }), keys: jsonKeys(keys) }, null, 2)}\n`);
    return;
  }
  printFields([
    ['File', `${file} (a run's journal, kept by its guard)`],
    ...(run.command ? [['Command', run.command]] : []),
    ...(run.pid ? [['Program', `pid ${run.pid}${run.guardPid ? `, guard pid ${run.guardPid}` : ''}`]] : []),
    ...(run.started ? [['Started', run.started]] : []),
    ['Data', `${countOf(data.size, 'value')}${damage ? `; the journal ends in damage: ${damage}` : ''}`],
  ], keys, data.context);
}

function showRun(autosave: Autosave, json: boolean): void {
  const { header, data } = autosave;
  const keys = keysOf(data);
  const { state, reason } = judgeRun(header, autosave.modified);
  if (json) {
    const { file, generation, fallback } = autosave;
    process.stdout.write(`${JSON.stringify({ file, generation, ...(fallback && { fallback }), state, reason, header, keys: jsonKeys(keys) }, null, 2)}\n`);
    return;
  }
  const lines = [
    ['File', `${autosave.file}${autosave.generation === 'previous' ? ' (previous generation)' : ''}`],
    ['State', `${state}: ${reason}`],
    ['Command', header.program.command.join(' ')],
    ['Program', `pid ${header.program.pid}, in ${header.program.cwd}`],
    ['Guard', `pid ${header.writer.pid} on ${header.writer.host}${header.writer.user ? ` (user ${header.writer.user})` : ''}`],
    ['Started', header.started],
    ['Saved', header.saved],
    ...(header.ended ? [['Ended', header.ended]] : []),
    ['Data', `${countOf(header.data.entries, 'value')}, ${formatBytes(header.data.size)} (${formatBytes(header.data.compressedSize)} compressed)`],
  ];
  printFields(lines, keys, header.context);
}

function showValue(file: string, data: DataView, key: string, how: 'json' | 'raw' | 'human'): void {
  const { encoding, bytes } = data.readRaw(key)!;
  if (how === 'raw') {
    process.stdout.write(bytes);
    return;
  }
  const notJson = () => new AutosaveError(file, 'invalid', `the value of ${shownKey(key)} is tagged JSON but is not JSON (use --raw to see its bytes)`);
  if (how === 'json') {
    let shown: object;
    try {
      shown = encoding === Encoding.Json ? { value: JSON.parse(bytes.toString('utf8')) as unknown } : { base64: bytes.toString('base64') };
    } catch {
      throw notJson();
    }
    process.stdout.write(`${JSON.stringify({ ...describeKey(key), encoding: encodingName(encoding), size: bytes.length, ...shown }, null, 2)}\n`);
    return;
  }
  if (encoding !== Encoding.Json && encoding !== Encoding.Bytes) process.stderr.write(`faultguard: ${shownKey(key)} is an opaque ${encodingName(encoding)} value: shown as bytes, never decoded\n`);
  try {
    process.stdout.write(renderValue(encoding, bytes).text);
  } catch (error) {
    throw error instanceof NotJsonError ? notJson() : error;
  }
}
