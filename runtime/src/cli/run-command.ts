import { autosaveOption, DEFAULT_AUTOSAVE_INTERVAL, MAX_AUTOSAVE_INTERVAL, MIN_AUTOSAVE_INTERVAL } from '../autosave/autosave-options';
import { DEFAULT_BREADCRUMBS, MAX_BREADCRUMBS } from '@faultguard/protocol';
import { guardAndExitLike } from '../guard/exit-like';
import { DEFAULT_OUTPUT_TAIL } from '../guard/output-tail';
import type { GuardResult } from '../guard/guard';
import { stderrLog } from '../report/log';
import { numberOption, parseCommand, sizeOption, stringOption, UsageError, type OptionSpec, type ParsedArguments } from './arguments';
import { DAEMON_RUN_OPTIONS, DAEMON_RUN_USAGE, daemonOptions } from './daemon-options';
import { runAsDaemon } from './daemon-run';
import { SUPERVISION_OPTIONS, SUPERVISION_USAGE, supervisionOptions } from './supervision-options';
import { onCrashCommand } from './on-crash';

export const RUN_USAGE = `Usage: faultguard run [options] [--] <command> [args...]

Runs <command> under a guard. What the program stores through a Faultguard client
(FAULTGUARD_JOURNAL in its environment; see protocol/SPEC.md) lives outside the
program. If the program ends abnormally (a signal, or a non-zero exit code), the
guard hands that data to --on-crash, or keeps it and says where. Signals sent to
the guard (TERM HUP INT QUIT USR1 USR2 WINCH) are passed on to the program, except
that INT QUIT WINCH HUP are not relayed while the guard owns the terminal: the
terminal sends those to the program itself.

Options:
  --on-crash <shell-command>  run with /bin/sh after an abnormal exit, given:
        FAULTGUARD_RESCUE_DIR     folder: one file per value, and index.json
        FAULTGUARD_RESCUE_JOURNAL the run's journal file (protocol/SPEC.md)
        FAULTGUARD_EXIT_CODE      exit code (empty when a signal ended it)
        FAULTGUARD_EXIT_SIGNAL    signal name, e.g. SIGSEGV (empty after a code)
        FAULTGUARD_EXIT_CATEGORY  e.g. error/restricted-memory-access, exit/failure
        FAULTGUARD_EXIT_REASON    e.g. "segmentation fault (SIGSEGV)"
        FAULTGUARD_EXIT_STATUS    the code, or minus the signal number
        FAULTGUARD_COMMAND, FAULTGUARD_PID  the program's command line and PID
        FAULTGUARD_CONTEXT_FILE   why it died, as JSON: its error, a fatal
                                  error's report, the OOM killer, its last
                                  output, its breadcrumbs (when known)
        FAULTGUARD_ERROR          the program's uncaught error, on one line
      It runs after every abnormal exit, also when nothing was stored. The values
      folder is written before the command starts (beside the journal when there
      is room, else in $TMPDIR) and removed when it ends; the journal is removed
      once the command exits 0, kept if it fails.
  --no-rescue-dir       with --on-crash: write no values folder (no
                        FAULTGUARD_RESCUE_DIR); the command reads the journal, and
                        starts at once whatever the data's size
  --autosave <file|dir> also keep an xz-compressed copy of the data on disk: in
                        <file>, or in a new file per run in <dir> (created if
                        the path ends in '/'). Written at
                        start, then every --interval if the data changed, and a
                        last time after an abnormal exit (recording how it
                        ended); removed after a clean exit. An existing file is
                        never overwritten. Its modification time is refreshed
                        every second while the guard lives.
  --interval <seconds>  seconds between autosaves (default ${DEFAULT_AUTOSAVE_INTERVAL})
  --keep-output <size>  keep this much of the program's last stderr for the crash
                        context (default 64K; 0: none): read back from a file,
                        or relayed through the guard from a pipe (a terminal is
                        left alone)
  --keep-stdout         keep its stdout too
  --breadcrumbs <n>     how many breadcrumbs its client keeps (default ${DEFAULT_BREADCRUMBS})
  --journal-dir <dir>   folder for run journals (default: $FAULTGUARD_JOURNAL_DIR,
                        else $XDG_RUNTIME_DIR/faultguard, else /dev/shm/faultguard-<uid>,
                        else <tmpdir>/faultguard-<uid>)
  --json                once the run has ended, print how, as one line of JSON: the
                        last line on stdout (not with --daemon)
  -q, --quiet           report nothing but errors
  -h, --help            show this help

${SUPERVISION_USAGE}
${DAEMON_RUN_USAGE}
Exit status: the program's own (the same code, or death by the same signal);
2 for bad usage; 125 if the guard could not start; 126 if the command cannot
be run; 127 if it was not found.
`;

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  'on-crash': { value: true },
  'no-rescue-dir': { value: false },
  'journal-dir': { value: true },
  autosave: { value: true },
  interval: { value: true },
  'keep-output': { value: true },
  'keep-stdout': { value: false },
  breadcrumbs: { value: true },
  quiet: { value: false, short: 'q' },
  json: { value: false },
  ...SUPERVISION_OPTIONS,
  ...DAEMON_RUN_OPTIONS,
};

export async function runCommand(argv: readonly string[]): Promise<void> {
  const parsed = parseCommand(argv, RUN_OPTIONS, RUN_USAGE, true);
  if (!parsed) return;
  const [command, ...args] = parsed.operands;
  if (command === undefined) throw new UsageError('run needs a command to guard');
  const onCrash = stringOption(parsed, 'on-crash');
  if (onCrash !== undefined && onCrash.trim() === '') throw new UsageError('--on-crash needs a command');
  const valuesFolder = !parsed.options.has('no-rescue-dir');
  if (!valuesFolder && onCrash === undefined) throw new UsageError('--no-rescue-dir needs --on-crash');
  const autosavePath = stringOption(parsed, 'autosave');
  const interval = numberOption(parsed, 'interval', { min: MIN_AUTOSAVE_INTERVAL, max: MAX_AUTOSAVE_INTERVAL });
  if (interval !== undefined && autosavePath === undefined) throw new UsageError('--interval needs --autosave');
  const log = stderrLog({ quiet: parsed.options.has('quiet') });
  const daemon = daemonOptions(parsed, log);
  const json = parsed.options.has('json');
  if (json && daemon) throw new UsageError('--json tells how the run ended, which a daemon\'s starting process never sees; faultguard stop --json tells how it was stopped');
  let pid: number | undefined;
  const options = {
    command,
    args,
    journalRoot: stringOption(parsed, 'journal-dir'),
    autosave: autosaveOption(autosavePath, interval),
    rescue: onCrash === undefined ? undefined : onCrashCommand(onCrash, { valuesFolder }),
    keepOutput: { bytes: keptBytes(parsed), stdout: parsed.options.has('keep-stdout') },
    breadcrumbs: breadcrumbsOption(parsed),
    ...supervisionOptions(parsed),
    log,
    onStart: (started: number) => (pid = started),
  };
  // protocol/cli-json.schema.json, "run".
  const report = ({ exit, rescued, keptAt, restarts }: GuardResult) => {
    process.stdout.write(`${JSON.stringify({ command: [command, ...args], pid: pid ?? null, exit, rescued, kept: keptAt ?? null, ...(restarts !== undefined && { restarts }) })}\n`);
  };
  await (daemon ? runAsDaemon(options, daemon) : guardAndExitLike(options, json ? report : undefined));
}

/** --keep-output: a size, or 0 for none. */
function keptBytes(parsed: ParsedArguments): number {
  return stringOption(parsed, 'keep-output')?.trim() === '0' ? 0 : (sizeOption(parsed, 'keep-output') ?? DEFAULT_OUTPUT_TAIL.bytes);
}

function breadcrumbsOption(parsed: ParsedArguments): number | undefined {
  const count = numberOption(parsed, 'breadcrumbs', { min: 1, max: MAX_BREADCRUMBS });
  if (count !== undefined && !Number.isInteger(count)) throw new UsageError(`--breadcrumbs needs a whole number, not ${count}`);
  return count;
}
