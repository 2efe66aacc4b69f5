import { printable } from '@faultguard/protocol';
import { currentPlatform, UnsupportedPlatformError } from '../process/current-platform';
import { restoreKeptEnvironment } from '../process/lean-start';
import { AutosaveError } from '../recovery/autosave-error';
import { Status } from '../report/status';
import { UsageError } from './arguments';
import { commandNamed, overview } from './commands';
import { OutputError } from './output-error';
import { handleOutputErrors } from './output-streams';

declare const FAULTGUARD_VERSION: string;

async function main(argv: readonly string[]): Promise<void> {
  currentPlatform(); // on another system, one clear line before anything else
  const [first, ...rest] = argv;
  handleOutputErrors(first === 'run' ? 'guard' : 'report');
  if (first === undefined) {
    process.stderr.write(overview());
    process.exitCode = Status.usage;
    return;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write((first === 'help' && commandNamed(rest[0])?.usage) || overview());
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
  if (error instanceof UnsupportedPlatformError) {
    process.stderr.write(`faultguard: ${error.message}\n`);
    process.exit(Status.guardFailed);
  }
  // A bug: the stack is what a report needs.
  process.stderr.write(`faultguard: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(Status.guardFailed);
});
