import { basename, resolve } from 'node:path';
import { printable } from '@faultguard/protocol';
import { AutosaveError } from '../recovery/autosave-error';
import { removeAutosave } from '../recovery/remove-autosave';
import { Status } from '../report/status';
import { parseCommand, staleAfterOption, UsageError, type OptionSpec } from './arguments';
import { STALE_AFTER_HELP } from './load-autosave';
import { BROKEN_PIPE_HELP } from './output-streams';

export const RM_USAGE = `Usage: faultguard rm [options] FILE...

Removes autosave files, each with its previous generation and the temporary
files a killed save left behind. Refuses the file of a live run (its guard
would lose its place to save) unless --force. Damaged files can be removed.

Options:
  -f, --force         remove even a live run's file
  -q, --quiet         say nothing on success
  --json              print what was removed as JSON
${STALE_AFTER_HELP}
  -h, --help          show this help

Exit status: 0 all removed; 1 some could not be (each one is named); 2 bad usage;
${BROKEN_PIPE_HELP}.
`;

export const OPTIONS: Record<string, OptionSpec> = {
  force: { value: false, short: 'f' },
  quiet: { value: false, short: 'q' },
  json: { value: false },
  'stale-after': { value: true },
};

export async function rmCommand(argv: readonly string[]): Promise<void> {
  const parsed = parseCommand(argv, OPTIONS, RM_USAGE, false);
  if (!parsed) return;
  if (parsed.operands.length === 0) throw new UsageError('rm needs at least one autosave FILE');
  const options = { force: parsed.options.has('force'), staleAfterSeconds: staleAfterOption(parsed) };
  const json = parsed.options.has('json');
  const done: { file: string; removed: string[] }[] = [];
  for (const file of parsed.operands) {
    try {
      const removed = removeAutosave(file, options);
      done.push({ file: resolve(file), removed: removed.map((path) => resolve(path)) });
      if (!parsed.options.has('quiet') && !json) process.stdout.write(`removed ${printable(removed.map((path) => basename(path)).join(', '))}\n`);
    } catch (error) {
      if (!(error instanceof AutosaveError) && !(error as NodeJS.ErrnoException).code) throw error;
      const hint = error instanceof AutosaveError && error.problem === 'live' ? ' (--force removes it anyway)' : '';
      process.stderr.write(`faultguard: ${printable((error as Error).message)}${hint}\n`);
      process.exitCode = Status.failed;
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(done, null, 2)}\n`); // protocol/cli-json.schema.json, "rm"
}
