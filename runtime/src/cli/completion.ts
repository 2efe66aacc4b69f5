import type { Command } from './commands';
import { optionItems, parseUsage } from './usage-text';

export type Shell = 'bash' | 'zsh' | 'fish';

/** What an option's value is, as far as completing it goes. */
type ValueKind = 'file' | 'directory' | 'command' | 'user' | 'group' | 'other';

interface CompletedOption {
  /** "--out" */
  readonly long: string;
  /** "-o" */
  readonly short?: string;
  /** Undefined for a flag. */
  readonly value?: ValueKind;
  readonly description: string;
}

/** A completion script for `shell`, made from the commands' options and the words of their --help. */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  const described = commands.map((command) => ({ command, options: optionsOf(command) }));
  if (shell === 'bash') return bashScript(described);
  if (shell === 'zsh') return zshScript(described);
  return fishScript(described);
}

interface Described {
  readonly command: Command;
  readonly options: readonly CompletedOption[];
}

function optionsOf(command: Command): CompletedOption[] {
  const items = optionItems(parseUsage(command.usage));
  const specs = { ...command.options, help: { value: false, short: 'h' } };
  return Object.entries(specs).map(([name, spec]) => {
    const item = items.get(name);
    const placeholder = /<([^>]+)>/.exec(item?.term ?? '')?.[1] ?? '';
    return {
      long: `--${name}`,
      ...(spec.short !== undefined && { short: `-${spec.short}` }),
      ...(spec.value && { value: valueKind(placeholder) }),
      description: brief(item?.text ?? ''),
    };
  });
}

/** From the value's name in --help: "<file|dir>", "<seconds>", "<name|uid>"... */
function valueKind(placeholder: string): ValueKind {
  if (/file/.test(placeholder)) return 'file';
  if (/dir/.test(placeholder)) return 'directory';
  if (/command/.test(placeholder)) return 'command';
  if (/uid/.test(placeholder)) return 'user';
  if (/gid/.test(placeholder)) return 'group';
  return 'other';
}

/** An option's help up to its first full stop, semicolon or colon, without its asides: what fits beside it in a menu. */
function brief(text: string): string {
  return text
    .replace(/ \([^)]*\)/g, '')
    .split(/;|: |\. /)[0]
    .replace(/[,:.]\s*$/, '')
    .trim();
}

// bash: a completion function for `complete -F`, using compgen.

const BASH_VALUES: Readonly<Record<ValueKind, string>> = {
  file: '_faultguard_files -f',
  directory: '_faultguard_files -d',
  command: 'COMPREPLY=($(compgen -c -- "$cur"))',
  user: 'COMPREPLY=($(compgen -u -- "$cur"))',
  group: 'COMPREPLY=($(compgen -g -- "$cur"))',
  other: 'COMPREPLY=()',
};

function bashScript(described: readonly Described[]): string {
  const names = described.map(({ command }) => command.name);
  const valueCases = described.flatMap(({ command, options }) =>
    options.filter((option) => option.value).map((option) => {
      const patterns = [option.long, option.short].filter((flag) => flag !== undefined).map((flag) => `'${command.name} ${flag}'`);
      return `    ${patterns.join('|')}) ${BASH_VALUES[option.value!]}; return ;;`;
    }),
  );
  const optionCases = described.map(({ command, options }) => {
    const words = options.flatMap((option) => [option.long, option.short ?? []].flat());
    const values = options.filter((option) => option.value).flatMap((option) => [option.long, option.short ?? []].flat());
    return `    ${command.name}) options='${words.join(' ')}' values='${values.join(' ')}' ;;`;
  });
  const operandCases = described.map(({ command }) => `    ${command.name}) ${bashOperands(command)} ;;`);
  return `# bash completion for faultguard. Load it with: source <(faultguard completion bash)
_faultguard_files() {
  local IFS=$'\\n'
  compopt -o filenames 2>/dev/null
  COMPREPLY=($(compgen "$1" -- "$cur"))
}

_faultguard() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD - 1]}
  local command=\${COMP_WORDS[1]} options values i start=0
  # --name=value: bash splits the word at "=".
  if [[ $cur == = ]]; then cur=''; elif [[ $prev == = ]]; then prev=\${COMP_WORDS[COMP_CWORD - 2]}; fi
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W '${names.join(' ')} help --help --version' -- "$cur"))
    return
  fi
  case $command in
${optionCases.join('\n')}
    help) COMPREPLY=($(compgen -W '${names.join(' ')}' -- "$cur")); return ;;
    *) return ;;
  esac
  case "$command $prev" in
${valueCases.join('\n')}
  esac
  # The options of run end at "--" or at the guarded command, whose own words follow.
  for ((i = 2; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
      --) start=$((i + 1)); break ;;
      -*) [[ " $values " == *" \${COMP_WORDS[i]} "* ]] && ((i++)) ;;
      *) [[ $command == run ]] && { start=$i; break; } ;;
    esac
  done
  if ((start > 0)); then
    # With bash-completion, the guarded command completes as it would on its own.
    if declare -F _command_offset >/dev/null; then _command_offset "$start"; return; fi
    if ((COMP_CWORD == start)); then COMPREPLY=($(compgen -c -- "$cur")); else _faultguard_files -f; fi
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    return
  fi
  case $command in
${operandCases.join('\n')}
  esac
}

complete -F _faultguard faultguard
`;
}

function bashOperands(command: Command): string {
  const { operands } = command;
  if (operands === 'command') return 'COMPREPLY=($(compgen -c -- "$cur"))';
  if (operands === 'files') return '_faultguard_files -f';
  if (operands === 'none') return 'COMPREPLY=()';
  return `COMPREPLY=($(compgen -W '${operands.join(' ')}' -- "$cur"))`;
}

// zsh: a completion function for compdef, with _arguments; it also works as an autoloaded file.

const ZSH_VALUES: Readonly<Record<ValueKind, string>> = {
  file: '_files',
  directory: '_files -/',
  command: '_command_names -e',
  user: '_users',
  group: '_groups',
  other: ' ',
};

/** Inside a single-quoted zsh word, and inside an _arguments description ([...] and :). */
function zshQuote(text: string): string {
  return text.replace(/([\][:\\])/g, '\\$1').replace(/'/g, "'\\''");
}

function zshOption(option: CompletedOption): string {
  const description = `[${zshQuote(option.description)}]`;
  // "--name=": the value follows in the same word after "=", or as the next word.
  const long = option.value ? `${option.long}=` : option.long;
  const value = option.value ? `:${option.long.slice(2)}:${ZSH_VALUES[option.value]}` : '';
  if (option.short === undefined) return `'${long}${description}${value}'`;
  return `'(${option.short} ${option.long})'{${option.short},${long}}'${description}${value}'`;
}

function zshOperands(command: Command): string[] {
  const { operands } = command;
  if (operands === 'command') return ["'(-):command:_command_names -e'", "'*::arguments:_normal'"];
  if (operands === 'files') return ["'*:autosave file:_files'"];
  if (operands === 'none') return [];
  return [`'1:${command.name}:(${operands.join(' ')})'`];
}

function zshScript(described: readonly Described[]): string {
  const commands = described.map(({ command }) => `    '${command.name}:${zshQuote(command.summary)}'`);
  const cases = described.map(({ command, options }) => {
    const flags = command.operands === 'command' ? '-S -A "-*"' : '-S';
    const specs = [...options.map(zshOption), ...zshOperands(command)];
    return `    ${command.name})\n      _arguments ${flags} \\\n        ${specs.join(' \\\n        ')}\n      ;;`;
  });
  return `#compdef faultguard
# zsh completion for faultguard. Load it with: source <(faultguard completion zsh)
# (after compinit), or save it as _faultguard in a folder of $fpath.
_faultguard() {
  local -a commands
  commands=(
${commands.join('\n')}
  )
  if ((CURRENT == 2)); then
    _describe -t commands 'faultguard command' commands
    _arguments '(- *)'{-h,--help}'[show help]' '(- *)'{-V,--version}'[print the version]'
    return
  fi
  local command=$words[2]
  shift words
  ((CURRENT--))
  case $command in
${cases.join('\n')}
    help) _describe -t commands 'faultguard command' commands ;;
  esac
}

if [[ $funcstack[1] == _faultguard ]]; then
  _faultguard "$@"
else
  compdef _faultguard faultguard
fi
`;
}

// fish: complete -c lines, each for one command (the first word after faultguard).

const FISH_VALUES: Readonly<Record<ValueKind, string>> = {
  file: '-r -F',
  directory: "-r -f -a '(__fish_complete_directories)'",
  command: "-r -f -a '(__fish_complete_command)'",
  user: "-r -f -a '(__fish_complete_users)'",
  group: "-r -f -a '(__fish_complete_groups)'",
  other: '-r -f',
};

function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, '\\$&')}'`;
}

function fishScript(described: readonly Described[]): string {
  const names = described.map(({ command }) => command.name);
  const lines = described.flatMap(({ command, options }) => {
    const when = `-n '__faultguard_using ${command.name}'`;
    const optionLines = options.map((option) => {
      const short = option.short === undefined ? '' : ` -s ${option.short.slice(1)}`;
      const value = option.value ? ` ${FISH_VALUES[option.value]}` : '';
      return `complete -c faultguard ${when}${short} -l ${option.long.slice(2)}${value} -d ${fishQuote(option.description)}`;
    });
    return [
      `complete -c faultguard -n __faultguard_needs_command -f -a ${command.name} -d ${fishQuote(command.summary)}`,
      ...optionLines,
      fishOperands(command, when),
    ];
  });
  return `# fish completion for faultguard. Install it with:
#   faultguard completion fish > ~/.config/fish/completions/faultguard.fish
function __faultguard_needs_command
    test (count (commandline -opc)) -eq 1
end

function __faultguard_using
    set -l words (commandline -opc)
    test (count $words) -ge 2; and test "$words[2]" = $argv[1]
end

complete -c faultguard -f
complete -c faultguard -n __faultguard_needs_command -s h -l help -d 'show help'
complete -c faultguard -n __faultguard_needs_command -s V -l version -d 'print the version'
complete -c faultguard -n __faultguard_needs_command -f -a help -d 'show a command\\'s help'
complete -c faultguard -n '__faultguard_using help' -f -a ${fishQuote(names.join(' '))}
${lines.join('\n')}
`;
}

function fishOperands(command: Command, when: string): string {
  const { operands } = command;
  if (operands === 'command') return `complete -c faultguard ${when} -a '(__fish_complete_subcommand --fcs-skip=2)'`;
  if (operands === 'files') return `complete -c faultguard ${when} -F`;
  if (operands === 'none') return `complete -c faultguard ${when} -f`;
  return `complete -c faultguard ${when} -f -a ${fishQuote(operands.join(' '))}`;
}
