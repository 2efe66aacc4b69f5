// How the CLI (`inspect`) and the editor word a crash context (SPEC §10) and a supervised run's
// restarts (§11): the same phrases in both. Pure functions, no `vscode`.
import type { ContextError, ContextHang, ContextOutput, ContextReport, CrashContext } from '../crash-context';
import { OOM_KILLED } from '../exit-status';
import { formatBytes, printable } from './wording';

/** "TypeError: settings.port is not a number": the error's class and its message's first line. */
export function errorTitle(error: ContextError): string {
  const message = error.message.split('\n')[0];
  return error.type ? `${error.type}: ${message}` : message;
}

/** "uncaught exception", "unhandled rejection", "exception" (Python's uncaught). */
export function errorKind(error: ContextError): string {
  return error.kind.replace(/-/g, ' ');
}

/** "heap 45 MiB used of 78 MiB (limit 88 MiB)". */
export function heapSummary(heap: NonNullable<ContextReport['heap']>): string {
  return `heap ${formatBytes(heap.used)} used of ${formatBytes(heap.total)}${heap.limit ? ` (limit ${formatBytes(heap.limit)})` : ''}`;
}

/** How much of a stream a tail holds: "774 B", or "the last 64 KiB of 3.2 MiB". */
export function tailSummary(tail: ContextOutput): string {
  return tail.truncated ? `the last ${formatBytes(Buffer.byteLength(tail.text))} of ${formatBytes(tail.bytes)}` : formatBytes(tail.bytes);
}

/** "no ping for 12 s (watchdog 10 s); killed by its guard". */
export function hangSummary(hang: ContextHang): string {
  return `no ping for ${hang.silentSeconds} s (watchdog ${hang.watchdogSeconds} s); killed by its guard`;
}

/** What a supervised run waiting for its next start says (SPEC §11.4): it is not over. */
export const RESTART_PENDING = 'the guard is starting it again';

/** A V8 stack's frames without the message it begins with (already shown beside it), one a line, unindented. */
export function stackWithoutMessage(stack: string): string {
  const lines = stack.split('\n');
  const frames = lines.findIndex((line) => /^\s+at /.test(line));
  return (frames > 0 ? lines.slice(frames) : lines).map((line) => line.trim()).join('\n');
}

/** "restarted once", "restarted 3 times": a supervised run's history, in a few words (SPEC §11.4). */
export function restartedText(restarts: number): string {
  return `restarted ${restarts === 1 ? 'once' : `${restarts} times`}`;
}

/**
 * One part of "Why it died": its name ("Error", "Stack", "Stderr"), a line that sums it up, and
 * the lines it holds (a stack, an output's tail, breadcrumbs); `keep` says which end of them
 * matters when they must be cut (a stack's innermost frames come first, an output's last words last).
 */
export interface ContextSection {
  readonly name: string;
  readonly summary?: string;
  readonly lines?: readonly string[];
  readonly keep: 'start' | 'end';
}

/** The parts of a crash context, in the order `inspect` and the editor show them. */
export function contextSections(context: CrashContext): ContextSection[] {
  const sections: ContextSection[] = [];
  const add = (name: string, summary: string | undefined, text?: string, keep: 'start' | 'end' = 'start') =>
    sections.push({ name, keep, ...(summary !== undefined && { summary }), ...(text !== undefined && { lines: text.replace(/\n$/, '').split('\n') }) });
  const { error, report, nativeTrace, oom, hang, output, breadcrumbs } = context;
  if (error) {
    add('Error', `${errorTitle(error)} (${errorKind(error)})`);
    if (error.stack) add('Stack', undefined, stackWithoutMessage(error.stack));
  }
  if (report) {
    add('Report', `${report.event}${report.heap ? `; ${heapSummary(report.heap)}` : ''}`);
    if (report.stack !== '') add('JS stack', undefined, report.stack);
  }
  if (nativeTrace) add('Trace', `(${nativeTrace.source})`, nativeTrace.text);
  if (oom) add('Killed', `${OOM_KILLED.replace(/^killed /, '')} (${oom.evidence})`);
  if (hang) {
    add('Hung', hangSummary(hang));
    if (hang.trace) add('Stuck in', undefined, hang.trace);
  }
  for (const stream of ['stderr', 'stdout'] as const) {
    const tail = output?.[stream];
    if (tail) add(stream === 'stderr' ? 'Stderr' : 'Stdout', `(${tailSummary(tail)})`, tail.text, 'end');
  }
  if (breadcrumbs && breadcrumbs.length > 0) add('Trail', undefined, breadcrumbs.map((crumb) => `${new Date(crumb.time).toISOString()}  ${crumb.text}`).join('\n'), 'end');
  return sections;
}

/** A section's lines, at most `max` of them: the end it keeps, and a line that says how many more there are. */
export function shownLines(section: ContextSection, max: number, more: (count: number) => string): string[] {
  const lines = section.lines ?? [];
  if (lines.length <= max) return [...lines];
  const cut = more(lines.length - max);
  return section.keep === 'start' ? [...lines.slice(0, max), cut] : [cut, ...lines.slice(-max)];
}

/** Where a row's text begins in "Why it died": after two spaces, the section's name and a space. */
export const CONTEXT_COLUMN = 11;

/**
 * "Why it died" as text, one section a row: its name in a column, then its summary and lines,
 * every line made safe to show (the text comes from the program, and from a file). `maxLines`
 * cuts each section's lines (`more` says how many were left out); empty for an empty context.
 */
export function contextText(context: CrashContext, maxLines = Infinity, more: (count: number) => string = (count) => `… ${count} more lines`): string {
  const rows = contextSections(context).map((section) => {
    const lines = [...(section.summary === undefined ? [] : [section.summary]), ...shownLines(section, maxLines, more)];
    return lines.map((line, i) => `${(i === 0 ? `  ${section.name}` : '').padEnd(CONTEXT_COLUMN - 1)} ${printable(line)}`).join('\n');
  });
  return rows.length === 0 ? '' : `Why it died\n${rows.join('\n')}\n`;
}
