/**
 * A command's --help read back as its parts, so that the man page and the completion scripts are
 * made from the very text `--help` prints (as help2man reads --help). The text keeps the shape
 * every command's usage has: a "Usage:" line, paragraphs, and titled lists of two-column items;
 * a line that fits none of these is kept as it is, so nothing is ever lost on the way.
 */
export interface UsageText {
  /** The "Usage:" line, without "Usage: ". */
  readonly synopsis: string;
  readonly blocks: readonly UsageBlock[];
}

export type UsageBlock = { readonly kind: 'paragraph'; readonly text: string } | { readonly kind: 'list'; readonly title: string; readonly items: readonly UsageItem[] };

export interface UsageItem {
  /** "--out <dir>", "-q, --quiet", "active"; "" for a note between items. */
  readonly term: string;
  /** The item's words, lines joined. */
  readonly text: string;
  /** Lines under the item that are laid out as a table of their own: kept as they are. */
  readonly preformatted: readonly string[];
}

/** An option's term: its names and, when it takes one, its value ("--autosave <file|dir>"). */
const OPTION_TERM = /^((?:-[A-Za-z0-9], )?--[a-z][\w-]*(?: <[^>]+>)?)(?: +(.*))?$/;
/** Any other item: a word, two spaces or more, its description ("active      the run's..."). */
const WORD_TERM = /^(\S+)( {2,})(.*)$/;

export function parseUsage(usage: string): UsageText {
  const paragraphs = usage.trimEnd().split(/\n\s*\n/).map((block) => block.split('\n'));
  const [first, ...rest] = paragraphs;
  const synopsis = first.join(' ').replace(/^Usage: /, '');
  return { synopsis, blocks: rest.map(parseBlock) };
}

function parseBlock(lines: string[]): UsageBlock {
  const [head, ...body] = lines;
  if (!head.startsWith(' ') && head.endsWith(':')) return { kind: 'list', title: head.slice(0, -1), items: parseItems(body) };
  if (!head.startsWith(' ')) return { kind: 'paragraph', text: lines.map((line) => line.trim()).join(' ') };
  return { kind: 'list', title: '', items: parseItems(lines) };
}

interface OpenItem {
  term: string;
  words: string[];
  preformatted: string[];
  /** Where the item's words start: a line indented to there goes on with them. */
  column: number;
}

function parseItems(lines: readonly string[]): UsageItem[] {
  const items: OpenItem[] = [];
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    const current = items.at(-1);
    if (indent > 2 && current) {
      if (indent === current.column && current.preformatted.length === 0) current.words.push(line.trim());
      else current.preformatted.push(line);
      continue;
    }
    const content = line.trim();
    const option = OPTION_TERM.exec(content);
    const word = option ? undefined : WORD_TERM.exec(content);
    if (option) items.push({ term: option[1], words: option[2] ? [option[2]] : [], preformatted: [], column: indent + content.length - (option[2]?.length ?? 0) });
    else if (word) items.push({ term: word[1], words: [word[3]], preformatted: [], column: indent + word[1].length + word[2].length });
    else items.push({ term: '', words: [content], preformatted: [], column: indent });
  }
  return items.map(({ term, words, preformatted }) => ({ term, text: words.join(' '), preformatted: dedent(preformatted) }));
}

function dedent(lines: readonly string[]): string[] {
  const common = Math.min(...lines.map((line) => line.length - line.trimStart().length));
  return lines.map((line) => line.slice(common));
}

/** The option items of a usage, by option name ("out" for "--out <dir>"). */
export function optionItems(usage: UsageText): Map<string, UsageItem> {
  const byName = new Map<string, UsageItem>();
  for (const block of usage.blocks) {
    if (block.kind !== 'list') continue;
    for (const item of block.items) {
      const name = /--([a-z][\w-]*)/.exec(item.term)?.[1];
      if (name !== undefined) byName.set(name, item);
    }
  }
  return byName;
}
