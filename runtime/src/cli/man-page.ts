import { COMMANDS, GLOBAL_OPTIONS, TAGLINE } from './commands';
import { parseUsage, type UsageBlock, type UsageItem } from './usage-text';

/**
 * faultguard(1), in roff, made from the same text as --help: the overview's line and options,
 * and each command's usage, read back into paragraphs and option lists (usage-text.ts). The
 * build writes it next to the CLI (runtime/dist/faultguard.1), and npm installs it with the package.
 */
export function manPage(version: string): string {
  const usages = COMMANDS.map((command) => ({ command, usage: parseUsage(command.usage) }));
  return [
    `.TH FAULTGUARD 1 "" "faultguard ${version}" "User Commands"`,
    '.SH NAME',
    `faultguard \\- ${roff(TAGLINE.replace(/^\w/, (letter) => letter.toLowerCase()).replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '.nf',
    ...usages.map(({ usage }) => roff(usage.synopsis)),
    '.fi',
    '.SH DESCRIPTION',
    roff(TAGLINE),
    `Each command is described below; \\fBfaultguard\\fR \\fIcommand\\fR \\fB\\-\\-help\\fR prints the same text.`,
    '.SH OPTIONS',
    ...GLOBAL_OPTIONS.flatMap((option) => item({ term: option.term, text: option.text, preformatted: [] })),
    '.SH COMMANDS',
    ...usages.flatMap(({ usage }) => [`.SS "${roff(usage.synopsis)}"`, ...usage.blocks.flatMap(block)]),
    '.SH "SEE ALSO"',
    '.BR xz (1),',
    '.BR kill (1),',
    '.BR signal (7)',
    '',
  ].join('\n');
}

function block(usage: UsageBlock): string[] {
  if (usage.kind === 'paragraph') return ['.PP', roff(usage.text)];
  const title = usage.title === '' ? [] : ['.PP', `.B "${roff(usage.title)}"`];
  return [...title, ...usage.items.flatMap(item)];
}

function item({ term, text, preformatted }: UsageItem): string[] {
  const table = preformatted.length === 0 ? [] : ['.RS', '.nf', ...preformatted.map(roff), '.fi', '.RE'];
  if (term === '') return ['.IP', roff(text), ...table];
  return ['.TP', styledTerm(term), roff(text), ...table];
}

/** Option names in bold, their values in italics: "\fB\-\-out\fR \fI<dir>\fR". */
function styledTerm(term: string): string {
  return term
    .split(/(<[^>]+>)/)
    .map((part) => (part === '' ? '' : part.startsWith('<') ? `\\fI${roff(part)}\\fR` : `\\fB${roff(part)}\\fR`))
    .join('');
}

/** Text safe in roff: backslashes and minus signs escaped, no line taken for a request. */
function roff(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}
