import type { OptionSpec } from './arguments';
import { parseCommand, UsageError } from './arguments';
import type { Command } from './commands';
import { completionScript, type Shell } from './completion';

export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

export const COMPLETION_USAGE = `Usage: faultguard completion bash|zsh|fish

Prints a script that completes faultguard's commands, their options and the
values those take, autosave files, and the command line a run guards.

Loading it:
  bash  in ~/.bashrc: source <(faultguard completion bash)
  zsh   in ~/.zshrc, after compinit: source <(faultguard completion zsh)
  fish  faultguard completion fish > ~/.config/fish/completions/faultguard.fish

Options:
  -h, --help          show this help

Exit status: 0 printed; 2 bad usage (no shell, or one not listed).
`;

export const COMPLETION_OPTIONS: Record<string, OptionSpec> = {};

export async function completionCommand(argv: readonly string[], commands: readonly Command[]): Promise<void> {
  const parsed = parseCommand(argv, COMPLETION_OPTIONS, COMPLETION_USAGE, false);
  if (!parsed) return;
  const [shell, ...extra] = parsed.operands;
  if (shell === undefined) throw new UsageError(`completion needs a shell: ${SHELLS.join(', ')}`);
  if (!SHELLS.includes(shell as Shell)) throw new UsageError(`no completion for ${JSON.stringify(shell)}; there is one for ${SHELLS.join(', ')}`);
  if (extra.length > 0) throw new UsageError(`completion takes one shell, not also ${JSON.stringify(extra[0])}`);
  process.stdout.write(completionScript(shell as Shell, commands));
}
