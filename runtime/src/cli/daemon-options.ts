import { resolve } from 'node:path';
import { DEFAULT_UMASK, type DaemonOptions } from '../daemon/daemon-options';
import type { Log } from '../report/log';
import { stringOption, UsageError, type OptionSpec, type ParsedArguments } from './arguments';

/** The options `run` takes for daemon mode. */
export const DAEMON_RUN_OPTIONS: Record<string, OptionSpec> = {
  daemon: { value: false },
  'pid-file': { value: true },
  cwd: { value: true },
  umask: { value: true },
  stdout: { value: true },
  stderr: { value: true },
  user: { value: true },
  group: { value: true },
  'keep-fd': { value: true },
};

export const DAEMON_RUN_USAGE = `Daemon mode (faultguard stop --pid-file <file> stops it):
  --daemon              run guard and program in the background, in a session of
                        their own; exit 0 once the program runs, or print why it
                        could not start and exit as without --daemon
  --pid-file <file>     the lock that keeps a second copy from starting; holds the
                        guard's PID (needed with --daemon)
  --cwd <dir>           the daemon's working directory (default /); a relative
                        command is looked up from there
  --umask <octal>       file creation mask (default ${DEFAULT_UMASK.toString(8).padStart(3, '0')})
  --stdout <file>       append the daemon's stdout here (default /dev/null)
  --stderr <file>       append the daemon's stderr, the guard's reports included,
                        here (default /dev/null)
  --keep-fd <n[,n...]>  descriptors to keep open (all others are closed)
  --user <name|uid>     run as this user (root only), in that user's groups
                        unless --group is given
  --group <name|gid>    run in this group (root only)
  Relative paths are taken from the directory faultguard was started in.
`;

/** Daemon mode as asked for on the command line, or undefined for a run in the foreground. */
export function daemonOptions(parsed: ParsedArguments, log: Log): DaemonOptions | undefined {
  const daemon = parsed.options.has('daemon');
  if (!daemon) {
    const stray = Object.keys(DAEMON_RUN_OPTIONS).find((name) => parsed.options.has(name));
    if (stray) throw new UsageError(`--${stray} needs --daemon`);
    return undefined;
  }
  const pidFile = stringOption(parsed, 'pid-file');
  if (pidFile === undefined) throw new UsageError('--daemon needs --pid-file: it is how a second start is refused and how faultguard stop finds the daemon');
  const path = (name: string) => {
    const value = stringOption(parsed, name);
    return value === undefined ? undefined : resolve(value);
  };
  return {
    pidFile: resolve(pidFile),
    cwd: path('cwd'),
    umask: umaskOption(stringOption(parsed, 'umask')),
    stdout: path('stdout'),
    stderr: path('stderr'),
    inheritFiles: descriptorsOption(stringOption(parsed, 'keep-fd')),
    user: idOption(stringOption(parsed, 'user')),
    group: idOption(stringOption(parsed, 'group')),
    log,
  };
}

function umaskOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-7]{1,4}$/.test(text) || parseInt(text, 8) > 0o777) throw new UsageError(`--umask needs an octal mask from 000 to 777, not ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function descriptorsOption(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const fds = text.split(',').map((part) => Number(part.trim()));
  if (fds.some((fd) => !Number.isInteger(fd) || fd < 3 || fd > 1023)) {
    throw new UsageError(`--keep-fd needs descriptor numbers from 3 to 1023, as in 3 or 3,4; not ${JSON.stringify(text)}`);
  }
  return fds;
}

/** setuid() takes a number as an id and a string as a name, so "1000" must become a number. */
function idOption(text: string | undefined): string | number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : text;
}
