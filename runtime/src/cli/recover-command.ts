import { dirname, resolve } from 'node:path';
import { countOf, printable } from '@faultguard/protocol';
import type { RescuedData } from '../data/rescued-data';
import { openKeptJournal, type KeptJournal } from '../recovery/kept-journal';
import { recover } from '../recovery/recover';
import type { ValueFileEntry } from '../recovery/values-directory';
import { parseCommand, sizeOption, staleAfterOption, stringOption, UsageError, type OptionSpec } from './arguments';
import { MAX_SIZE_HELP, STALE_AFTER_HELP, withProgress } from './load-autosave';
import { OutputFolder } from './output-folder';
import { BROKEN_PIPE_HELP } from './output-streams';

export const RECOVER_USAGE = `Usage: faultguard recover [options] FILE --out DIR

Writes every value of a finished run's autosave to its own file in DIR, byte
for byte as stored (JSON as .json, bytes as .bin, opaque values such as pickle
as their bytes), with file names made safe for any key, and DIR/index.json
mapping keys to files. Refuses a live run's file. A damaged newest generation
is replaced by the previous one, with a warning. The autosave is left in place:
remove it with 'faultguard rm FILE' once the data is safe. FILE may also be a
run's journal that a guard kept (read as it is; its run folder stays too).

Options:
  --out <dir>         where to write (created; must not exist, or be empty)
  --json              print what was written as JSON
${MAX_SIZE_HELP}
${STALE_AFTER_HELP}
  -h, --help          show this help

Exit status: 0 recovered; 1 the file cannot be recovered (live, missing,
damaged, too large) or DIR cannot be written; 2 bad usage;
${BROKEN_PIPE_HELP}.
`;

export const OPTIONS: Record<string, OptionSpec> = {
  out: { value: true, short: 'o' },
  json: { value: false },
  'max-size': { value: true },
  'stale-after': { value: true },
};

export async function recoverCommand(argv: readonly string[]): Promise<void> {
  const parsed = parseCommand(argv, OPTIONS, RECOVER_USAGE, false);
  if (!parsed) return;
  const [file, ...extra] = parsed.operands;
  if (file === undefined) throw new UsageError('recover needs an autosave FILE');
  if (extra.length > 0) throw new UsageError(`recover takes one FILE, not also ${JSON.stringify(extra[0])}`);
  const outOption = stringOption(parsed, 'out');
  if (outOption === undefined) throw new UsageError('recover needs --out DIR');
  const out = resolve(outOption);
  const output = OutputFolder.prepare(out); // before anything is read: a wrong --out costs no decompression
  try {
    const json = parsed.options.has('json');
    const kept = openKeptJournal(file);
    if (kept) return recoverJournal(kept, output, out, json);
    let values: ValueFileEntry[] = [];
    const rescue = (data: RescuedData) => (values = output.write(data));
    const autosave = await withProgress(file, sizeOption(parsed, 'max-size'), (options) => recover(rescue, file, { ...options, staleAfterSeconds: staleAfterOption(parsed) }));
    if (json) {
      const { generation, fallback } = autosave;
      process.stdout.write(`${JSON.stringify({ file: autosave.file, generation, ...(fallback && { fallback }), out, exit: autosave.header.exit, values }, null, 2)}\n`);
      return;
    }
    const ended = autosave.header.exit?.reason ?? 'its guard died without recording how';
    process.stdout.write(`${printable(`recovered ${countOf(values.length, 'value')} into ${out} (index.json lists them); the run ended: ${ended}`)}\n`);
    process.stdout.write(`${printable(`once the data is safe: faultguard rm ${file}`)}\n`);
  } finally {
    output.close();
  }
}

/** A kept journal is read as it is: a snapshot, even should its program still be writing. */
function recoverJournal({ file, data, run }: KeptJournal, output: OutputFolder, out: string, json: boolean): void {
  let values: ValueFileEntry[];
  try {
    values = output.write(data);
  } finally {
    data.close();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, kind: 'journal', out, run, values }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${printable(`recovered ${countOf(values.length, 'value')} into ${out} (index.json lists them) from the journal of ${run.command ?? 'a run'}`)}\n`);
  process.stdout.write(`${printable(`once the data is safe, remove the run's folder: rm -r ${dirname(file)}`)}\n`);
}
