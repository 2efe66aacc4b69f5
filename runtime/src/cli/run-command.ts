import { autosaveOption, DEFAULT_AUTOSAVE_INTERVAL, MAX_AUTOSAVE_INTERVAL, MIN_AUTOSAVE_INTERVAL } from '../autosave/autosave-options';
import { guardAndExitLike } from '../guard/exit-like';
import { stderrLog } from '../report/log';
import { numberOption, parseCommand, stringOption, UsageError, type OptionSpec } from './arguments';
import { DAEMON_RUN_OPTIONS, DAEMON_RUN_USAGE, daemonOptions } from './daemon-options';
import { runAsDaemon } from './daemon-run';
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
  --journal-dir <dir>   folder for run journals (default: $FAULTGUARD_JOURNAL_DIR,
                        else $XDG_RUNTIME_DIR/faultguard, else /dev/shm/faultguard-<uid>,
                        else <tmpdir>/faultguard-<uid>)
  -q, --quiet           report nothing but errors
  -h, --help            show this help

${DAEMON_RUN_USAGE}
Exit status: the program's own (the same code, or death by the same signal);
2 for bad usage; 125 if the guard could not start; 126 if the command cannot
be run; 127 if it was not found.
`;

const RUN_OPTIONS: Record<string, OptionSpec> = {
  'on-crash': { value: true },
  'no-rescue-dir': { value: false },
  'journal-dir': { value: true },
  autosave: { value: true },
  interval: { value: true },
  quiet: { value: false, short: 'q' },
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
  const options = {
    command,
    args,
    journalRoot: stringOption(parsed, 'journal-dir'),
    autosave: autosaveOption(autosavePath, interval),
    rescue: onCrash === undefined ? undefined : onCrashCommand(onCrash, { valuesFolder }),
    log,
  };
  await (daemon ? runAsDaemon(options, daemon) : guardAndExitLike(options));
}
