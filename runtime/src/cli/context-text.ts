import { formatBytes, printable, type ContextOutput, type CrashContext } from '@faultguard/protocol';

/** Lines of a stack, a trace or an output shown at most; the rest is in `--json`. */
const MAX_LINES = 20;
const INDENT = ' '.repeat(9);

/**
 * The crash context as `inspect` shows it: a section "Why it died", every line made safe for a
 * terminal (the text comes from the program, and from a file).
 */
export function formatContext(context: CrashContext): string {
  const rows: Array<[string, string]> = [];
  const { error, report, nativeTrace, oom, output, breadcrumbs } = context;
  if (error) {
    rows.push(['Error', `${error.type ? `${error.type}: ` : ''}${firstLine(error.message)} (${error.kind.replace(/-/g, ' ')})`]);
    if (error.stack) rows.push(['Stack', lastLines(withoutMessage(error.stack), MAX_LINES, 'start')]);
  }
  if (report) {
    const heap = report.heap ? `; heap ${formatBytes(report.heap.used)} used of ${formatBytes(report.heap.total)}${report.heap.limit ? ` (limit ${formatBytes(report.heap.limit)})` : ''}` : '';
    rows.push(['Report', `${report.event}${heap}`]);
    if (report.stack !== '') rows.push(['JS stack', lastLines(report.stack, MAX_LINES, 'start')]);
  }
  if (nativeTrace) rows.push(['Trace', `(${nativeTrace.source})\n${lastLines(nativeTrace.text, MAX_LINES, 'start')}`]);
  if (oom) rows.push(['Killed', `by the kernel's out-of-memory killer (${oom.evidence})`]);
  if (context.hang) {
    rows.push(['Hung', `no ping for ${context.hang.silentSeconds} s (watchdog ${context.hang.watchdogSeconds} s); killed by its guard`]);
    if (context.hang.trace) rows.push(['Stuck in', lastLines(context.hang.trace, MAX_LINES, 'start')]);
  }
  for (const stream of ['stderr', 'stdout'] as const) {
    const tail = output?.[stream];
    if (tail) rows.push([stream === 'stderr' ? 'Stderr' : 'Stdout', `${describeTail(tail)}\n${lastLines(tail.text, MAX_LINES, 'end')}`]);
  }
  if (breadcrumbs && breadcrumbs.length > 0) {
    const shown = breadcrumbs.slice(-MAX_LINES);
    rows.push(['Trail', shown.map((crumb) => `${new Date(crumb.time).toISOString()}  ${crumb.text}`).join('\n')]);
  }
  if (rows.length === 0) return '';
  const body = rows.map(([name, text]) => text.split('\n').map((line, i) => `${i === 0 ? `  ${name.padEnd(8)}` : ` ${INDENT}`} ${printable(line)}`).join('\n'));
  return `\nWhy it died\n${body.join('\n')}\n`;
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

/** A V8 stack begins with the message, already shown. */
function withoutMessage(stack: string): string {
  const lines = stack.split('\n');
  const frames = lines.findIndex((line) => /^\s+at /.test(line));
  return (frames > 0 ? lines.slice(frames) : lines).map((line) => line.trim()).join('\n');
}

function lastLines(text: string, max: number, keep: 'start' | 'end'): string {
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.length <= max) return lines.join('\n');
  const cut = `… ${lines.length - max} more lines (inspect --json shows them)`;
  return keep === 'start' ? [...lines.slice(0, max), cut].join('\n') : [cut, ...lines.slice(-max)].join('\n');
}

function describeTail(tail: ContextOutput): string {
  return tail.truncated ? `(the last ${formatBytes(Buffer.byteLength(tail.text))} of ${formatBytes(tail.bytes)})` : `(${formatBytes(tail.bytes)})`;
}
