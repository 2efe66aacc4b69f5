import { UsageError } from './arguments';
import { runCommand, RUN_USAGE } from './run-command';
import { stopCommand } from './stop-command';

declare const FAULTGUARD_VERSION: string;

const USAGE = `Usage: faultguard <command> [options]

Keeps a program's important data safe when it crashes, and hands it to a rescue.

Commands:
  run [options] [--] <command> [args...]   run a program under a guard
  stop --pid-file <file>                   stop a daemon started by run --daemon

Options:
  -h, --help      show help (also: faultguard <command> --help)
  -V, --version   print the version

Run 'faultguard run --help' for the guard's options.
`;

const COMMANDS: Record<string, (argv: readonly string[]) => Promise<void>> = {
  run: runCommand,
  stop: stopCommand,
};

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(first === 'help' && rest[0] === 'run' ? RUN_USAGE : USAGE);
    return;
  }
  if (first === '-V' || first === '--version') {
    process.stdout.write(`faultguard ${FAULTGUARD_VERSION}\n`);
    return;
  }
  const command = COMMANDS[first];
  if (!command) throw new UsageError(`unknown command '${first}'`);
  await command(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`faultguard: ${error.message}\nTry 'faultguard --help'.\n`);
    process.exit(2);
  }
  process.stderr.write(`faultguard: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(125);
});
