import type { OptionSpec } from './arguments';
import { completionCommand, COMPLETION_OPTIONS, COMPLETION_USAGE, SHELLS } from './completion-command';
import { inspectCommand, INSPECT_USAGE, OPTIONS as INSPECT_OPTIONS } from './inspect-command';
import { lsCommand, LS_USAGE, OPTIONS as LS_OPTIONS } from './ls-command';
import { recoverCommand, RECOVER_USAGE, OPTIONS as RECOVER_OPTIONS } from './recover-command';
import { rmCommand, RM_USAGE, OPTIONS as RM_OPTIONS } from './rm-command';
import { runCommand, RUN_OPTIONS, RUN_USAGE } from './run-command';
import { stopCommand, STOP_OPTIONS, STOP_USAGE } from './stop-command';

/**
 * One command of the CLI. Its `usage` is its --help; the overview, the man page and the
 * completion scripts are all made from these, so none of them can leave a command or an option out.
 */
export interface Command {
  readonly name: string;
  /** Its operands, as the overview shows them. */
  readonly synopsis: string;
  readonly summary: string;
  readonly usage: string;
  /** Its options (-h/--help is every command's, added by parseCommand). */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** What its operands are, for completion: a command line, files, or words of a list. */
  readonly operands: 'command' | 'files' | 'none' | readonly string[];
  readonly run: (argv: readonly string[]) => Promise<void>;
}

export const COMMANDS: readonly Command[] = [
  { name: 'run', synopsis: '[options] [--] <command> [args...]', summary: 'run a program under a guard', usage: RUN_USAGE, options: RUN_OPTIONS, operands: 'command', run: runCommand },
  { name: 'ls', synopsis: '[PATH...]', summary: 'list autosaves: active, crashed, orphaned', usage: LS_USAGE, options: LS_OPTIONS, operands: 'files', run: lsCommand },
  { name: 'inspect', synopsis: 'FILE [KEY]', summary: 'show an autosave, or one of its values', usage: INSPECT_USAGE, options: INSPECT_OPTIONS, operands: 'files', run: inspectCommand },
  { name: 'recover', synopsis: 'FILE --out DIR', summary: "write a finished run's values to files", usage: RECOVER_USAGE, options: RECOVER_OPTIONS, operands: 'files', run: recoverCommand },
  { name: 'rm', synopsis: 'FILE...', summary: 'remove autosaves of finished runs', usage: RM_USAGE, options: RM_OPTIONS, operands: 'files', run: rmCommand },
  { name: 'stop', synopsis: '--pid-file <file>', summary: 'stop a daemon started by run --daemon', usage: STOP_USAGE, options: STOP_OPTIONS, operands: 'none', run: stopCommand },
  {
    name: 'completion',
    synopsis: SHELLS.join('|'),
    summary: 'print a shell completion script',
    usage: COMPLETION_USAGE,
    options: COMPLETION_OPTIONS,
    operands: SHELLS,
    run: (argv) => completionCommand(argv, COMMANDS),
  },
];

/** What the CLI is, in one line: the overview's and the man page's. */
export const TAGLINE = "Keeps a program's important data safe when it crashes, and hands it to a rescue.";

/** The options of `faultguard` itself, before any command. */
export const GLOBAL_OPTIONS: readonly { readonly term: string; readonly text: string }[] = [
  { term: '-h, --help', text: 'show help (also: faultguard <command> --help)' },
  { term: '-V, --version', text: 'print the version' },
];

/** `faultguard --help`. */
export function overview(): string {
  const lines = COMMANDS.map(({ name, synopsis }) => `${name} ${synopsis}`);
  const width = Math.max(...lines.map((line) => line.length)) + 3;
  const commands = COMMANDS.map((command, i) => `  ${lines[i].padEnd(width)}${command.summary}`);
  const options = GLOBAL_OPTIONS.map(({ term, text }) => `  ${term.padEnd(16)}${text}`);
  return `Usage: faultguard <command> [options]

${TAGLINE}

Commands:
${commands.join('\n')}

Options:
${options.join('\n')}

Run 'faultguard <command> --help' for a command's options.
`;
}

export function commandNamed(name: string | undefined): Command | undefined {
  return COMMANDS.find((command) => command.name === name);
}
