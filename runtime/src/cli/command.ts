import type { OptionSpec } from './arguments';

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
