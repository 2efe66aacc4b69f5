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
/** What a client's watchdog thread writes when its program stopped pinging: the stack it was stuck in (SPEC §11.3). */
export const HANG_TRACE_NAME = 'hang-trace.txt';
/** What the guard writes there once the program has died: the context, as JSON (SPEC §10.6). */
export const CRASH_CONTEXT_FILE = 'crash-context.json';

/** Keys of the context journal (a §2 journal of JSON values). */
export const ERROR_KEY = 'error';
/** Set by a client that dumps its threads' stacks on a signal (SPEC §11.3): `{"signal": "SIGUSR2"}`. */
export const DIAGNOSTICS_KEY = 'diagnostics';
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

/**
 * The program's own last error, recorded by its client before the process died.
 *
 * @example
 * ```ts
 * const error: ContextError = { kind: 'uncaught-exception', type: 'TypeError', message: 'x is not a function', stack: 'TypeError: …', time: Date.now() };
 * ```
 */
export interface ContextError {
  /** `uncaught-exception` and `unhandled-rejection` (Node), `exception` (Python's uncaught). */
  readonly kind: string;
  /** Its class: "TypeError", "ZeroDivisionError". */
  readonly type?: string;
  /** Its message (its first 4096 characters). */
  readonly message: string;
  /** Its stack trace, as the language prints it. */
  readonly stack?: string;
  /** ms since the epoch. */
  readonly time: number;
}

/**
 * What a Node diagnostic report (written on a fatal error) says, picked out.
 *
 * @example
 * ```ts
 * if (data.context?.report) console.log(data.context.report.event); // "Allocation failed - JavaScript heap out of memory"
 * ```
 */
export interface ContextReport {
  /** "Allocation failed - JavaScript heap out of memory". */
  readonly event: string;
  /** The JavaScript stack at the fatal error, one frame a line. */
  readonly stack: string;
  /** The V8 heap when it died, in bytes. */
  readonly heap?: {
    /** Bytes in use. */
    readonly used: number;
    /** Bytes the heap held. */
    readonly total: number;
    /** The heap's limit (--max-old-space-size), in bytes. */
    readonly limit?: number;
  };
}

/**
 * A native fault's trace of every thread (Python's faulthandler), as written.
 *
 * @example
 * ```ts
 * const trace = data.context?.nativeTrace?.text; // "Fatal Python error: Segmentation fault …"
 * ```
 */
export interface ContextNativeTrace {
  /** What wrote it: "faulthandler". */
  readonly source: string;
  /** The trace, as written (its beginning, when longer than the limit). */
  readonly text: string;
}

/**
 * The last bytes of an output stream, as text (bytes that are not UTF-8 become U+FFFD).
 *
 * @example
 * ```ts
 * const stderr = data.context?.output?.stderr;
 * if (stderr) console.log(`${stderr.truncated ? '…' : ''}${stderr.text}`);
 * ```
 */
export interface ContextOutput {
  /** The tail, as text. */
  readonly text: string;
  /** Everything the guard saw of the stream, in bytes: more than the text holds when cut. */
  readonly bytes: number;
  /** The stream held more than the text does. */
  readonly truncated: boolean;
}

/**
 * One breadcrumb a program recorded with `data.breadcrumb(text)`.
 *
 * @example
 * ```ts
 * for (const crumb of data.context?.breadcrumbs ?? []) console.log(new Date(crumb.time).toISOString(), crumb.text);
 * ```
 */
export interface Breadcrumb {
  /** The client's running count: order and gaps (a ring drops the oldest). */
  readonly seq: number;
  /** ms since the epoch. */
  readonly time: number;
  /** What the program said it was doing. */
  readonly text: string;
}

/**
 * Why a run died (SPEC §10), as far as the guard could learn: in a rescue's `data.context`, an
 * autosave header's `context`, and `crash-context.json`.
 *
 * @example
 * ```ts
 * const why = data.context?.error?.message ?? data.context?.report?.event ?? exit.reason;
 * ```
 */
export interface CrashContext {
  /** 1. */
  readonly format: number;
  /** The program's uncaught error, as its client recorded it. */
  readonly error?: ContextError;
  /** Node's diagnostic report of a fatal error (out of memory), picked out. */
  readonly report?: ContextReport;
  /** A native fault's trace (Python's faulthandler). */
  readonly nativeTrace?: ContextNativeTrace;
  /** Set only when the kernel's out-of-memory killer is known to have killed the program. */
  readonly oom?: {
    /** What showed it: the kernel log's line, or the memory cgroup's counter. */
    readonly evidence: string;
  };
  /** The last output the guard could see. */
  readonly output?: {
    /** The program's stderr's tail. */
    readonly stderr?: ContextOutput;
    /** Its stdout's, when kept. */
    readonly stdout?: ContextOutput;
  };
  /** Oldest first. */
  readonly breadcrumbs?: readonly Breadcrumb[];
  /** Set when the guard's watchdog killed the program (SPEC §11.3). */
  readonly hang?: ContextHang;
}

/**
 * The program stopped pinging: for how long, and where it was stuck, if it could say.
 *
 * @example
 * ```ts
 * if (data.context?.hang) console.log(`hung for ${data.context.hang.silentSeconds} s`, data.context.hang.trace ?? '');
 * ```
 */
export interface ContextHang {
  /** The watchdog's timeout. */
  readonly watchdogSeconds: number;
  /** How long the program had been silent when it was killed. */
  readonly silentSeconds: number;
  /** The stack of the stuck thread, as a client's watchdog caught it. */
  readonly trace?: string;
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
  if (value.hang !== undefined) {
    const hang = isObject(value.hang) ? value.hang : {};
    check(isObject(value.hang) && Number.isFinite(hang.watchdogSeconds) && Number.isFinite(hang.silentSeconds), 'context.hang', 'a watchdog verdict');
    check(optionalText(CONTEXT_LIMITS.stack)(hang.trace), 'context.hang.trace', `a string of at most ${CONTEXT_LIMITS.stack} characters`);
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
