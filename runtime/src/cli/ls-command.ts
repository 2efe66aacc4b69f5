import { join } from 'node:path';
import { briefCommand, formatBytes, formatDuration, printable, truncate } from '@faultguard/protocol';
import { forEachAutosave, type Listing } from '../recovery/list-autosaves';
import { Status } from '../report/status';
import { parseCommand, staleAfterOption, type OptionSpec } from './arguments';
import { STALE_AFTER_HELP } from './load-autosave';
import { formatTable } from './text-format';
import { BROKEN_PIPE_HELP } from './output-streams';

export const LS_USAGE = `Usage: faultguard ls [options] [PATH...]

Lists autosave files and judges each run from its header and heartbeat, without
decompressing any data. A PATH is an autosave file, or a folder whose *.fgsave
files are listed (not recursively). Default: the current folder.

States:
  active      the run's guard is alive (same host: PID and start time match;
              another host: heartbeat younger than --stale-after)
  crashed     the program ended abnormally; REASON says how
  orphaned    the guard died without recording an end (killed, power loss)
  unreadable  not a readable autosave; REASON says why

Options:
  --json              one JSON array with every field (see README)
${STALE_AFTER_HELP}
  -h, --help          show this help

Exit status: 0 listed; 1 a PATH could not be read; 2 bad usage;
${BROKEN_PIPE_HELP}.
`;

export const OPTIONS: Record<string, OptionSpec> = {
  json: { value: false },
  'stale-after': { value: true },
};

export async function lsCommand(argv: readonly string[]): Promise<void> {
  const parsed = parseCommand(argv, OPTIONS, LS_USAGE, false);
  if (!parsed) return;
  const now = Date.now();
  const paths = parsed.operands.length > 0 ? parsed.operands : ['.'];
  const options = { now, staleAfterSeconds: staleAfterOption(parsed) };
  const json = parsed.options.has('json');
  const entries: Array<Record<string, unknown>> = [];
  // The table keeps its cells only, not each file's header: a folder of 10,000 files stays light.
  const here = join(process.cwd(), '/');
  const rows: string[][] = [];
  const errors = forEachAutosave(paths, options, (listing) => (json ? entries.push(toJson(listing, now)) : rows.push(rowOf(listing, now, here))));
  for (const error of errors) process.stderr.write(`faultguard: ${printable(error.message)}\n`);
  if (errors.length > 0) process.exitCode = Status.failed;
  if (json) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    if (errors.length === 0) process.stderr.write('faultguard: no autosave files here\n');
    return;
  }
  process.stdout.write(formatTable(['FILE', 'STATE', 'PID', 'HOST', 'COMMAND', 'AGE', 'SIZE', 'KEYS', 'REASON'], rows));
}

/** One line of the table, every cell made safe to print. */
function rowOf(listing: Listing, now: number, here: string): string[] {
  const { header } = listing;
  return [
    displayPath(listing.file, here),
    listing.state,
    header ? String(header.program.pid) : '-',
    header?.writer.host ?? '-',
    header ? truncate(briefCommand(header.program.command), 40) : '-',
    listing.modified === undefined ? '-' : formatDuration((now - listing.modified) / 1000),
    formatBytes(listing.size),
    header ? String(header.data.entries) : '-',
    listing.newestProblem ? `${listing.reason} (read from the previous generation; newest: ${listing.newestProblem})` : listing.reason,
  ].map(printable);
}

/** A file in the current folder or below it is shown relative to it, any other by its absolute path. */
function displayPath(file: string, here: string): string {
  return file.startsWith(here) ? file.slice(here.length) : file;
}

function toJson(listing: Listing, now: number): Record<string, unknown> {
  const { header } = listing;
  return {
    file: listing.file,
    state: listing.state,
    active: listing.active,
    reason: listing.reason,
    ...(listing.problem && { problem: listing.problem }),
    ...(listing.newestProblem && { newestProblem: listing.newestProblem }),
    size: listing.size,
    heartbeat: listing.modified === undefined ? null : new Date(listing.modified).toISOString(),
    ageSeconds: listing.modified === undefined ? null : Math.max(0, Math.round((now - listing.modified) / 1000)),
    ...(header && {
      pid: header.program.pid,
      command: header.program.command,
      cwd: header.program.cwd,
      guard: header.writer,
      started: header.started,
      saved: header.saved,
      ended: header.ended,
      exit: header.exit,
      entries: header.data.entries,
      dataSize: header.data.size,
    }),
  };
}
