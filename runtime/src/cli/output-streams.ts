import { describeSystemError } from '../files/system-error';
import { Status } from '../report/status';

/**
 * What the CLI does when its output cannot be written. Node ignores SIGPIPE, so a reader that
 * goes away (`faultguard inspect FILE KEY | head -n1`) shows up as an EPIPE error on the stream,
 * which unhandled would end the command with a stack trace. One handler on stdout and stderr
 * decides for every command:
 *
 * - a command that reports (ls, inspect, recover, rm, stop) stops quietly, as cat and git do
 *   when SIGPIPE ends them, with the status a shell shows for them: 128 + 13 = 141. The error
 *   arrives after the write that met it, and every command writes its output once its work is
 *   done (a recovery's values are all written before its report), so nothing is left half-done;
 *   any other error (a full disk under `> file`) is one line on stderr and status 1;
 * - a guard (run) carries on: its program and its rescue matter more than its messages, and it
 *   must never die of a closed terminal or log pipe.
 */
/** The line every reporting command's --help ends its exit statuses with. */
export const BROKEN_PIPE_HELP = '141 the reader of the output went away (as for cat or git)';

export function handleOutputErrors(role: 'report' | 'guard'): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (role === 'guard') return;
      if (error.code === 'EPIPE') process.exit(Status.brokenPipe);
      if (stream === process.stdout) process.stderr.write(`faultguard: cannot write the output: ${describeSystemError(error)}\n`);
      process.exit(Status.failed);
    });
  }
}
