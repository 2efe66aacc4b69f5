// The crash context (protocol/SPEC.md §10): why a run died, kept with what it held. The guard
// assembles it when the program ends abnormally, from what the client recorded in the run's
// context journal (its uncaught error, its breadcrumbs), the files a dying process leaves in the
// run directory (a Node diagnostic report, a Python faulthandler trace), what the kernel says
// (the out-of-memory killer) and the last output the guard could see. Every part is bounded,
// and a reader checks every field: a context comes from a file, and a file may lie.

export const CRASH_CONTEXT_FORMAT = 1;

/** Names, inside the run directory (SPEC §4.2), of what a dying client leaves for the guard. */
export const CONTEXT_JOURNAL_NAME = 'context';
export const NODE_REPORT_NAME = 'node-report.json';
export const NATIVE_TRACE_NAME = 'native-trace.txt';
/** What the guard writes there once the program has died: the context, as JSON (SPEC §10.6). */
export const CRASH_CONTEXT_FILE = 'crash-context.json';

/** Keys of the context journal (a §2 journal of JSON values). */
export const ERROR_KEY = 'error';
export const BREADCRUMB_KEY_PREFIX = 'breadcrumb:';

/** How many breadcrumbs a client keeps, unless the guard says otherwise (FAULTGUARD_BREADCRUMBS). */
export const DEFAULT_BREADCRUMBS = 50;
export const MAX_BREADCRUMBS = 1000;

/** What each part may hold: writers cut to these, readers refuse more. */
export const CONTEXT_LIMITS = {
  /** An error's message, in characters. */
  message: 4096,
  /** An error's stack trace, or a report's, in characters. */
  stack: 16 * 1024,
  /** A native trace (faulthandler), in characters. */
  nativeTrace: 64 * 1024,
  /** The tail of one output stream, in characters (the guard keeps bytes; see outputTail). */
  output: 64 * 1024,
  /** One breadcrumb's text, in characters. */
  breadcrumb: 512,
} as const;

/** The program's own last error, recorded by its client before the process died. */
export interface ContextError {
  /** `uncaught-exception` and `unhandled-rejection` (Node), `exception` (Python's uncaught). */
  readonly kind: string;
  /** Its class: "TypeError", "ZeroDivisionError". */
  readonly type?: string;
  readonly message: string;
  readonly stack?: string;
  /** ms since the epoch. */
  readonly time: number;
}

/** What a Node diagnostic report (written on a fatal error) says, picked out. */
export interface ContextReport {
  /** "Allocation failed - JavaScript heap out of memory". */
  readonly event: string;
  /** The JavaScript stack at the fatal error, one frame a line. */
  readonly stack: string;
  /** The V8 heap when it died, in bytes. */
  readonly heap?: { readonly used: number; readonly total: number; readonly limit?: number };
}

/** A native fault's trace of every thread (Python's faulthandler), as written. */
export interface ContextNativeTrace {
  readonly source: string;
  readonly text: string;
}

/** The last bytes of an output stream, as text (not UTF-8 decodable bytes are U+FFFD). */
export interface ContextOutput {
  readonly text: string;
  /** Everything the guard saw of the stream, in bytes: more than the text holds when cut. */
  readonly bytes: number;
  readonly truncated: boolean;
}

export interface Breadcrumb {
  /** The client's running count: order and gaps (a ring drops the oldest). */
  readonly seq: number;
  /** ms since the epoch. */
  readonly time: number;
  readonly text: string;
}

export interface CrashContext {
  readonly format: number;
  readonly error?: ContextError;
  readonly report?: ContextReport;
  readonly nativeTrace?: ContextNativeTrace;
  /** Set only when the kernel's out-of-memory killer is known to have killed the program. */
  readonly oom?: { readonly evidence: string };
  readonly output?: { readonly stderr?: ContextOutput; readonly stdout?: ContextOutput };
  /** Oldest first. */
  readonly breadcrumbs?: readonly Breadcrumb[];
}

/** Cuts text to `max` characters, keeping its start (a message, a breadcrumb). */
export function cutStart(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Cuts text to `max` characters, keeping its end (an output's tail). */
export function cutEnd(text: string, max: number): string {
  return text.length <= max ? text : text.slice(text.length - max);
}

/**
 * Why `value` is not a crash context a reader may show, or undefined when it is one: every field
 * of the right type and within its limit. Unknown fields are allowed (later formats add some).
 */
export function crashContextProblem(value: unknown): string | undefined {
  const problems: string[] = [];
  const check = (ok: boolean, name: string, what: string) => {
    if (!ok) problems.push(`${name} is not ${what}`);
  };
  const text = (max: number) => (v: unknown) => typeof v === 'string' && v.length <= max;
  const optionalText = (max: number) => (v: unknown) => v === undefined || text(max)(v);
  const isTime = (v: unknown) => Number.isFinite(v);
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!isObject(value)) return 'context is not an object';
  check(Number.isSafeInteger(value.format) && (value.format as number) >= 1, 'context.format', 'a format number');
  if (value.error !== undefined) {
    const error = isObject(value.error) ? value.error : {};
    check(isObject(value.error), 'context.error', 'an object');
    check(text(64)(error.kind), 'context.error.kind', 'a short string');
    check(optionalText(256)(error.type), 'context.error.type', 'a short string');
    check(text(CONTEXT_LIMITS.message)(error.message), 'context.error.message', `a string of at most ${CONTEXT_LIMITS.message} characters`);
    check(optionalText(CONTEXT_LIMITS.stack)(error.stack), 'context.error.stack', `a string of at most ${CONTEXT_LIMITS.stack} characters`);
    check(isTime(error.time), 'context.error.time', 'a time');
  }
  if (value.report !== undefined) {
    const report = isObject(value.report) ? value.report : {};
    check(isObject(value.report), 'context.report', 'an object');
    check(text(CONTEXT_LIMITS.message)(report.event), 'context.report.event', 'a string');
    check(text(CONTEXT_LIMITS.stack)(report.stack), 'context.report.stack', `a string of at most ${CONTEXT_LIMITS.stack} characters`);
    if (report.heap !== undefined) {
      const heap = isObject(report.heap) ? report.heap : {};
      check(isObject(report.heap) && isCount(heap.used) && isCount(heap.total) && (heap.limit === undefined || isCount(heap.limit)), 'context.report.heap', 'sizes');
    }
  }
  if (value.nativeTrace !== undefined) {
    const trace = isObject(value.nativeTrace) ? value.nativeTrace : {};
    check(isObject(value.nativeTrace) && text(64)(trace.source), 'context.nativeTrace.source', 'a short string');
    check(text(CONTEXT_LIMITS.nativeTrace)(trace.text), 'context.nativeTrace.text', `a string of at most ${CONTEXT_LIMITS.nativeTrace} characters`);
  }
  if (value.oom !== undefined) check(isObject(value.oom) && text(256)(value.oom.evidence), 'context.oom.evidence', 'a short string');
  if (value.output !== undefined) {
    check(isObject(value.output), 'context.output', 'an object');
    const output = isObject(value.output) ? value.output : {};
    for (const stream of ['stderr', 'stdout'] as const) {
      const tail = output[stream];
      if (tail === undefined) continue;
      const ok = isObject(tail) && text(CONTEXT_LIMITS.output)(tail.text) && isCount(tail.bytes) && typeof tail.truncated === 'boolean';
      check(ok, `context.output.${stream}`, `an output tail of at most ${CONTEXT_LIMITS.output} characters`);
    }
  }
  if (value.breadcrumbs !== undefined) {
    const crumbs = value.breadcrumbs;
    const ok =
      Array.isArray(crumbs) &&
      crumbs.length <= MAX_BREADCRUMBS &&
      crumbs.every((crumb) => isObject(crumb) && isCount(crumb.seq) && isTime(crumb.time) && text(CONTEXT_LIMITS.breadcrumb)(crumb.text));
    check(ok, 'context.breadcrumbs', `a list of at most ${MAX_BREADCRUMBS} breadcrumbs`);
  }
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
