import { printable } from '@faultguard/protocol';
import { restoreKeptEnvironment } from '../process/lean-start';
import { AutosaveError } from '../recovery/autosave-error';
import { Status } from '../report/status';
import { UsageError } from './arguments';
import { OutputError } from './output-error';
import { handleOutputErrors } from './output-streams';
import { inspectCommand, INSPECT_USAGE } from './inspect-command';
import { lsCommand, LS_USAGE } from './ls-command';
import { recoverCommand, RECOVER_USAGE } from './recover-command';
import { rmCommand, RM_USAGE } from './rm-command';
import { runCommand, RUN_USAGE } from './run-command';
import { stopCommand, STOP_USAGE } from './stop-command';

declare const FAULTGUARD_VERSION: string;

const USAGE = `Usage: faultguard <command> [options]

Keeps a program's important data safe when it crashes, and hands it to a rescue.

Commands:
  run [options] [--] <command> [args...]   run a program under a guard
  ls [PATH...]                             list autosaves: active, crashed, orphaned
  inspect FILE [KEY]                       show an autosave, or one of its values
  recover FILE --out DIR                   write a finished run's values to files
  rm FILE...                               remove autosaves of finished runs
  stop --pid-file <file>                   stop a daemon started by run --daemon

Options:
  -h, --help      show help (also: faultguard <command> --help)
  -V, --version   print the version

Run 'faultguard <command> --help' for a command's options.
`;

interface Command {
  readonly run: (argv: readonly string[]) => Promise<void>;
  readonly usage: string;
}

const COMMANDS: Record<string, Command> = {
  run: { run: runCommand, usage: RUN_USAGE },
  ls: { run: lsCommand, usage: LS_USAGE },
  inspect: { run: inspectCommand, usage: INSPECT_USAGE },
  recover: { run: recoverCommand, usage: RECOVER_USAGE },
  rm: { run: rmCommand, usage: RM_USAGE },
  stop: { run: stopCommand, usage: STOP_USAGE },
};

function commandNamed(name: string | undefined): Command | undefined {
  return name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  handleOutputErrors(first === 'run' ? 'guard' : 'report');
  if (first === undefined) {
    process.stderr.write(USAGE);
    process.exitCode = Status.usage;
    return;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write((first === 'help' && commandNamed(rest[0])?.usage) || USAGE);
    return;
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`faultguard ${FAULTGUARD_VERSION}\n`);
    return;
  }
  const command = commandNamed(first);
  if (!command) throw new UsageError(`unknown command '${first}'`);
  helpHint = `faultguard ${first} --help`;
  await command.run(rest);
}

/** Where a user who got a command wrong finds its options. */
let helpHint = 'faultguard --help';

// Before anything else: what this process starts gets the environment its caller gave us.
restoreKeptEnvironment();
main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`faultguard: ${error.message}\nTry '${helpHint}'.\n`);
    process.exit(Status.usage);
  }
  if (error instanceof AutosaveError || error instanceof OutputError) {
    process.stderr.write(`faultguard: ${printable(error.message)}\n`);
    process.exit(Status.failed);
  }
  // A bug: the stack is what a report needs.
  process.stderr.write(`faultguard: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(Status.guardFailed);
});
