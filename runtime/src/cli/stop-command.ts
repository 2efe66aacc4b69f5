import type { Stats } from 'node:fs';
import { resolve } from 'node:path';
import { describeHolder, LockError, readLockHolderAndFile, type LockHolder } from '../lock/lock-holder';
import { liveness } from '../process/process-identity';
import { childrenOf, commandLineOf, ownerOfProcess } from '../process/process-info';
import { Status } from '../report/status';
import { numberOption, parseCommand, stringOption, UsageError, type OptionSpec } from './arguments';
import { BROKEN_PIPE_HELP } from './output-streams';

export const STOP_USAGE = `Usage: faultguard stop --pid-file <file> [--timeout <seconds>]

Stops a daemon started by 'faultguard run --daemon' (or any process that holds a PID
file): sends SIGTERM to the process the file names, if it still runs, and waits until
it has ended. A guard passes SIGTERM on to its program, and ends once the program has
ended and any rescue is done; it releases the PID file. SIGKILL is never sent.

Options:
  --pid-file <file>     the daemon's PID file
  --timeout <seconds>   how long to wait for it to end (default 10; 0: do not wait)
  -q, --quiet           report nothing but errors
  --json                print what was stopped (or why nothing was) as JSON
  -h, --help            show this help

Exit status: 0 stopped (with --timeout 0: signalled); 1 still running when the time
was up; 2 bad usage; 3 nothing to stop (no PID file, or its process no longer runs);
125 the PID file cannot be read, or the process cannot be signalled from here;
${BROKEN_PIPE_HELP}.
`;

export const STOP_OPTIONS: Record<string, OptionSpec> = {
  'pid-file': { value: true },
  timeout: { value: true },
  quiet: { value: false, short: 'q' },
  json: { value: false },
};

const DEFAULT_TIMEOUT = 10;
const POLL_MS = 50;

export async function stopCommand(argv: readonly string[]): Promise<void> {
  const parsed = parseCommand(argv, STOP_OPTIONS, STOP_USAGE, false);
  if (!parsed) return;
  if (parsed.operands.length > 0) throw new UsageError(`stop takes no operands, not ${JSON.stringify(parsed.operands[0])}`);
  const pidFile = stringOption(parsed, 'pid-file');
  if (pidFile === undefined) throw new UsageError('stop needs --pid-file');
  const timeout = numberOption(parsed, 'timeout', { min: 0, max: 86_400 }) ?? DEFAULT_TIMEOUT;
  const quiet = parsed.options.has('quiet');
  const json = parsed.options.has('json');
  const path = resolve(pidFile);
  let holder: LockHolder | undefined;
  const started = Date.now();
  // With --json, every outcome but an error is also told on stdout (protocol/cli-json.schema.json, "stop").
  const end = (status: number, message: string, outcome?: StopOutcome) => {
    if (json && outcome) {
      const { pid, command } = holder ? { pid: holder.identity.pid, command: holder.command ?? null } : { pid: null, command: null };
      const seconds = outcome === 'stopped' || outcome === 'still-running' ? (Date.now() - started) / 1000 : null;
      process.stdout.write(`${JSON.stringify({ pidFile: path, outcome, pid, command, seconds, message }, null, 2)}\n`);
    }
    if (status !== Status.ok || !(quiet || json)) process.stderr.write(`faultguard: ${message}\n`);
    process.exitCode = status;
  };

  let read: { holder: LockHolder; file: Stats } | undefined;
  try {
    read = readLockHolderAndFile(path);
  } catch (error) {
    if (!(error instanceof LockError)) throw error;
    return end(Status.guardFailed, error.message);
  }
  if (read === undefined) return end(Status.nothingToDo, `nothing to stop: there is no PID file ${path}`, 'nothing-to-stop');
  holder = read.holder;
  const { file } = read;
  const { identity, liveness: state } = holder;
  const distrust = distrustOf(path, file, identity.pid);
  if (distrust) return end(Status.guardFailed, `not signalling process ${identity.pid}: ${distrust}`);
  if (state.state === 'gone') return end(Status.nothingToDo, `nothing to stop: ${path} names ${describeHolder(holder)}, which no longer runs (${state.reason}); the next start takes its lock over`, 'nothing-to-stop');
  if (state.state === 'unknown') return end(Status.guardFailed, `${path} names ${describeHolder(holder)}, ${state.reason}: stop it there`);
  try {
    process.kill(identity.pid, 'SIGTERM');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return end(Status.nothingToDo, `nothing to stop: ${describeHolder(holder)} has just ended`, 'nothing-to-stop');
    return end(Status.guardFailed, `cannot send SIGTERM to ${describeHolder(holder)}: ${code ?? (error as Error).message}`);
  }
  if (timeout === 0) return end(Status.ok, `sent SIGTERM to ${describeHolder(holder)}`, 'signalled');
  while (liveness(identity).state !== 'gone') {
    if (Date.now() - started >= timeout * 1000) return end(Status.failed, stillRunning(holder, timeout, path), 'still-running');
    await new Promise((resolveSleep) => setTimeout(resolveSleep, POLL_MS));
  }
  end(Status.ok, `stopped ${describeHolder(holder)} in ${((Date.now() - started) / 1000).toFixed(1)} s`, 'stopped');
}

type StopOutcome = 'stopped' | 'signalled' | 'still-running' | 'nothing-to-stop';

/**
 * Why a PID from this file must not be signalled, if it must not. Root can signal anything, so
 * the file must not let a user aim root at a process that user could not signal: it must be
 * root's, or belong to the user the process runs as (a daemon that dropped privileges writes
 * its own), and nobody else may write it. `file` is what the descriptor the PID was read from
 * says, not a later look at the path, which a swap in between could make another file's.
 * No PID file rightly names init or this very process.
 */
function distrustOf(path: string, { uid, mode }: Stats, pid: number): string | undefined {
  if (pid === 1 || pid === process.pid) return `${path} names ${pid === 1 ? 'init' : 'this process'}`;
  if (process.getuid?.() !== 0) return undefined; // the kernel lets us signal only our own processes
  if (uid !== 0 && uid !== ownerOfProcess(pid)) return `${path} belongs to uid ${uid}, not to root or the user process ${pid} runs as`;
  if ((mode & 0o022) !== 0) return `${path} is writable by others (mode ${(mode & 0o777).toString(8)})`;
  return undefined;
}

/** Says what did not end, and how to force it without leaving a program behind. */
function stillRunning(holder: LockHolder, timeout: number, path: string): string {
  const pid = holder.identity.pid;
  const children = childrenOf(pid);
  const named = children
    .map((child) => {
      const command = commandLineOf(child);
      return command ? `${child} (${command})` : String(child);
    })
    .join(', ');
  const force = children.length > 0
    ? `it passed SIGTERM on; still running under it: ${named}. If that is its program ignoring SIGTERM (or needing longer), force it with kill -KILL ${children.join(' ')} (the guard then rescues the program's data and ends); if it is a rescue (--on-crash) under way, let it finish`
    : `it ignores SIGTERM or needs longer to end. To force it: kill -KILL ${pid}`;
  return `${describeHolder(holder)} is still running ${timeout} s after SIGTERM: ${force}; or wait longer: faultguard stop --pid-file ${path} --timeout <seconds>`;
}
