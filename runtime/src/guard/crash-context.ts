import { join } from 'node:path';
import {
  BREADCRUMB_KEY_PREFIX, CONTEXT_LIMITS, CRASH_CONTEXT_FORMAT, crashContextProblem, cutStart, DIAGNOSTICS_KEY, ERROR_KEY, HANG_TRACE_NAME, MAX_BREADCRUMBS, NATIVE_TRACE_NAME, NODE_REPORT_NAME,
  type Breadcrumb, type ContextError, type ContextNativeTrace, type ContextOutput, type ContextReport, type CrashContext,
} from '@faultguard/protocol';
import { readJournal } from '../data/rescued-data';
import { readRegularFileStart } from '../files/regular-file';
import type { StreamName } from './output-tail';

/** Largest Node report read: they run to some hundreds of KiB; a file beyond this is not read. */
const MAX_REPORT_BYTES = 8 * 1024 * 1024;

export interface ContextSources {
  /** The run's folder: its context journal and what a dying client left there (SPEC §10.2, §10.3). */
  readonly runFolder: string;
  readonly contextJournal: string;
  readonly output: Partial<Record<StreamName, ContextOutput>>;
  readonly oomEvidence: string | undefined;
  /** The watchdog's verdict, when it killed the program (SPEC §11.3). */
  readonly hang?: { readonly watchdogSeconds: number; readonly silentSeconds: number };
}

/**
 * Assembles why the program died (SPEC §10), from whatever is there: each part bounded and
 * checked, each source optional (a program with no client leaves only its output and the OOM
 * verdict). Undefined when nothing is known. Nothing read here is ever run: the files are the
 * program's, JSON at most.
 */
export function collectCrashContext({ runFolder, contextJournal, output, oomEvidence, hang }: ContextSources): CrashContext | undefined {
  const { error, breadcrumbs } = fromContextJournal(contextJournal);
  const report = nodeReport(join(runFolder, NODE_REPORT_NAME));
  const nativeTrace = nativeTraceIn(join(runFolder, NATIVE_TRACE_NAME));
  const hangTrace = hang && readRegularFileStart(join(runFolder, HANG_TRACE_NAME), CONTEXT_LIMITS.stack)?.toString('utf8');
  const context: CrashContext = {
    format: CRASH_CONTEXT_FORMAT,
    ...(error && { error }),
    ...(report && { report }),
    ...(nativeTrace && { nativeTrace }),
    ...(oomEvidence !== undefined && { oom: { evidence: cutStart(oomEvidence, 256) } }),
    ...(Object.keys(output).length > 0 && { output }),
    ...(breadcrumbs.length > 0 && { breadcrumbs }),
    ...(hang && { hang: { ...hang, ...(hangTrace && { trace: cutStart(hangTrace, CONTEXT_LIMITS.stack) }) } }),
  };
  if (Object.keys(context).length === 1) return undefined;
  // A client's record is the program's word: one that does not hold to the limits is left out whole.
  return crashContextProblem(context) === undefined ? context : { ...context, error: undefined, breadcrumbs: undefined };
}

/** The signal a client asked to be sent for a diagnosis (`{"signal": "SIGUSR2"}`, SPEC §11.3), if it is one. */
export function diagnosticsSignal(contextJournal: string): NodeJS.Signals | undefined {
  try {
    const data = readJournal(contextJournal);
    try {
      const signal = (data.get(DIAGNOSTICS_KEY) as { signal?: unknown } | undefined)?.signal;
      return typeof signal === 'string' && /^SIG(USR[12]|QUIT|PROF)$/.test(signal) ? (signal as NodeJS.Signals) : undefined;
    } finally {
      data.close();
    }
  } catch {
    return undefined;
  }
}

/** The client's last error and its breadcrumbs, oldest first; nothing if the journal cannot be read. */
function fromContextJournal(path: string): { error?: ContextError; breadcrumbs: Breadcrumb[] } {
  let data;
  try {
    data = readJournal(path);
  } catch {
    return { breadcrumbs: [] };
  }
  try {
    const error = data.get(ERROR_KEY) as ContextError | undefined;
    const breadcrumbs: Breadcrumb[] = [];
    for (const key of data.keys()) {
      if (!key.startsWith(BREADCRUMB_KEY_PREFIX)) continue;
      const crumb = data.get(key) as Breadcrumb;
      if (typeof crumb?.seq === 'number' && typeof crumb.text === 'string' && typeof crumb.time === 'number') {
        breadcrumbs.push({ seq: crumb.seq, time: crumb.time, text: cutStart(crumb.text, CONTEXT_LIMITS.breadcrumb) });
      }
    }
    breadcrumbs.sort((a, b) => a.seq - b.seq);
    return { ...(error !== undefined && { error }), breadcrumbs: breadcrumbs.slice(-MAX_BREADCRUMBS) };
  } catch {
    return { breadcrumbs: [] }; // a value that is not JSON: the program's context is lost, its data is not
  } finally {
    data.close();
  }
}

/** What a Node diagnostic report says of the death: its event, the JavaScript stack, the heap. */
function nodeReport(path: string): ContextReport | undefined {
  const bytes = readRegularFileStart(path, MAX_REPORT_BYTES + 1);
  if (!bytes || bytes.length > MAX_REPORT_BYTES) return undefined;
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined; // cut short: the process died while writing it
  }
  const header = (report.header ?? {}) as Record<string, unknown>;
  const js = (report.javascriptStack ?? {}) as Record<string, unknown>;
  const heap = (report.javascriptHeap ?? {}) as Record<string, unknown>;
  const event = typeof header.event === 'string' ? header.event : undefined;
  if (event === undefined) return undefined;
  // Where V8 could not walk the stack (often so when the heap is full), the report says so in words.
  const frames = Array.isArray(js.stack) ? js.stack.filter((frame): frame is string => typeof frame === 'string' && frame !== 'Unavailable.') : [];
  const message = typeof js.message === 'string' && js.message !== 'No stack.' ? js.message : '';
  const stack = [message, ...frames].filter((line) => line.trim() !== '').join('\n');
  const size = (value: unknown) => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined);
  const [used, total, limit] = [size(heap.usedMemory), size(heap.totalMemory), size(heap.memoryLimit)];
  return {
    event: cutStart(event, CONTEXT_LIMITS.message),
    stack: cutStart(stack, CONTEXT_LIMITS.stack),
    ...(used !== undefined && total !== undefined && { heap: { used, total, ...(limit !== undefined && { limit }) } }),
  };
}

/** The trace a native fault left (Python's faulthandler writes it as the process dies). */
function nativeTraceIn(path: string): ContextNativeTrace | undefined {
  const bytes = readRegularFileStart(path, CONTEXT_LIMITS.nativeTrace);
  if (!bytes || bytes.length === 0) return undefined;
  return { source: 'faulthandler', text: cutStart(bytes.toString('utf8'), CONTEXT_LIMITS.nativeTrace) };
}
