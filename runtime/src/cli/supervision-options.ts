import { DEFAULT_RESTART, type RestartOptions } from '../guard/restart-policy';
import type { WatchdogOptions } from '../guard/watchdog';
import { numberOption, stringOption, UsageError, type OptionSpec, type ParsedArguments } from './arguments';

/** The options `run` takes for supervision: restarts and the watchdog (protocol/SPEC.md §11). */
export const SUPERVISION_OPTIONS: Record<string, OptionSpec> = {
  restart: { value: true },
  'max-restarts': { value: true },
  'max-same': { value: true },
  within: { value: true },
  backoff: { value: true },
  watchdog: { value: true },
  'watchdog-grace': { value: true },
};

export const SUPERVISION_USAGE = `Supervision (the next run finds the data as the last one left it):
  --restart on-failure|always  start the program again after an abnormal end
                        (on-failure), or after any end (always); never after
                        TERM INT HUP QUIT sent to the guard. --on-crash runs
                        first, with FAULTGUARD_RESTARTS (restarts so far) and
                        FAULTGUARD_RESTARTING (1: a restart follows)
  --max-restarts <n>    give up after n restarts within --within (default ${DEFAULT_RESTART.maxRestarts})
  --max-same <n>        give up after n ends of the same category (SIGSEGV,
                        exit/failure...) within --within (default ${DEFAULT_RESTART.maxSame})
  --within <seconds>    the crash-loop window (default ${DEFAULT_RESTART.withinSeconds})
  --backoff <s>[,<max>] wait s seconds before a restart, doubled for each one
                        in a row, up to max (default ${DEFAULT_RESTART.backoffSeconds},${DEFAULT_RESTART.maxBackoffSeconds}); a run that lasted
                        longer than --within starts the count over
  --watchdog <seconds>  a program that goes this long without data.ping() is
                        taken for hung: its client is asked for its stacks, it
                        is killed after --watchdog-grace, rescued, and, with
                        --restart, started again
  --watchdog-grace <s>  how long it gets between the request and SIGKILL
                        (default: the lesser of 5 and --watchdog)
  When the guard gives up, it ends like the last run, and says why.
`;

const MAX_SECONDS = 86_400;

export function supervisionOptions(parsed: ParsedArguments): { restart?: RestartOptions; watchdog?: WatchdogOptions } {
  const when = stringOption(parsed, 'restart');
  if (when !== undefined && when !== 'on-failure' && when !== 'always') throw new UsageError(`--restart takes on-failure or always, not ${JSON.stringify(when)}`);
  if (when === undefined) {
    const stray = ['max-restarts', 'max-same', 'within', 'backoff'].find((name) => parsed.options.has(name));
    if (stray) throw new UsageError(`--${stray} needs --restart`);
  }
  const watchdogSeconds = numberOption(parsed, 'watchdog', { min: 0.05, max: MAX_SECONDS });
  if (watchdogSeconds === undefined && parsed.options.has('watchdog-grace')) throw new UsageError('--watchdog-grace needs --watchdog');
  return {
    ...(when && {
      restart: {
        when,
        maxRestarts: count(parsed, 'max-restarts') ?? DEFAULT_RESTART.maxRestarts,
        maxSame: count(parsed, 'max-same') ?? DEFAULT_RESTART.maxSame,
        withinSeconds: numberOption(parsed, 'within', { min: 0.001, max: MAX_SECONDS }) ?? DEFAULT_RESTART.withinSeconds,
        ...backoffOption(stringOption(parsed, 'backoff')),
      },
    }),
    ...(watchdogSeconds !== undefined && {
      watchdog: { seconds: watchdogSeconds, graceSeconds: numberOption(parsed, 'watchdog-grace', { min: 0, max: MAX_SECONDS }) ?? Math.min(5, watchdogSeconds) },
    }),
  };
}

function count(parsed: ParsedArguments, name: string): number | undefined {
  const value = numberOption(parsed, name, { min: 0, max: 1_000_000 });
  if (value !== undefined && !Number.isInteger(value)) throw new UsageError(`--${name} needs a whole number, not ${value}`);
  return value;
}

function backoffOption(text: string | undefined): Pick<RestartOptions, 'backoffSeconds' | 'maxBackoffSeconds'> {
  if (text === undefined) return { backoffSeconds: DEFAULT_RESTART.backoffSeconds, maxBackoffSeconds: DEFAULT_RESTART.maxBackoffSeconds };
  const [first, max, ...rest] = text.split(',').map((part) => Number(part.trim()));
  const ok = (value: number | undefined) => value === undefined || (Number.isFinite(value) && value >= 0 && value <= MAX_SECONDS);
  if (rest.length > 0 || !ok(first) || !ok(max) || Number.isNaN(first)) throw new UsageError(`--backoff takes seconds, or seconds,max, such as 0.5 or 0.5,60; not ${JSON.stringify(text)}`);
  return { backoffSeconds: first!, maxBackoffSeconds: Math.max(first!, max ?? DEFAULT_RESTART.maxBackoffSeconds) };
}
