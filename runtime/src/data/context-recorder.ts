import { BREADCRUMB_KEY_PREFIX, CONTEXT_LIMITS, cutStart, Encoding, ERROR_KEY, OpaqueValue, type Breadcrumb, type ContextError } from '@faultguard/protocol';
import type { GuardedData } from './guarded-data';

/**
 * The client's end of the context journal (SPEC §10.2): the last uncaught error, and a ring of the
 * last breadcrumbs, each one positioned write that has returned before the call does, as set()
 * does: what the program recorded is the guard's even after SIGKILL.
 */
export class ContextRecorder {
  private seq: number;

  constructor(
    private readonly journal: GuardedData,
    private readonly capacity: number,
  ) {
    // A journal connected to again (the same run) goes on counting where it stopped.
    let last = 0;
    for (const key of journal.keys()) {
      if (!key.startsWith(BREADCRUMB_KEY_PREFIX)) continue;
      const crumb = journal.get(key) as Partial<Breadcrumb> | undefined;
      if (typeof crumb?.seq === 'number') last = Math.max(last, crumb.seq);
    }
    this.seq = last;
  }

  breadcrumb(text: string): void {
    const seq = ++this.seq;
    const shown = typeof text === 'string' && text.length <= CONTEXT_LIMITS.breadcrumb ? text : cutStart(String(text), CONTEXT_LIMITS.breadcrumb);
    // The JSON text made here, not by set(): the object path of set() checks every value for what
    // JSON would lose, which a breadcrumb cannot hold and which would cost it half its time.
    const json = `{"seq":${seq},"time":${Date.now()},"text":${JSON.stringify(shown)}}`;
    this.journal.set(`${BREADCRUMB_KEY_PREFIX}${seq % this.capacity}`, new OpaqueValue(Encoding.Json, Buffer.from(json, 'utf8')));
  }

  /** Records an error the process is about to die of. Never throws: it runs on the way down. */
  error(kind: string, error: unknown): void {
    try {
      const record: ContextError = {
        kind,
        ...(error instanceof Error && { type: cutStart(error.name, 256) }),
        message: cutStart(error instanceof Error ? error.message : String(error), CONTEXT_LIMITS.message),
        ...(error instanceof Error && typeof error.stack === 'string' && { stack: cutStart(error.stack, CONTEXT_LIMITS.stack) }),
        time: Date.now(),
      };
      this.journal.set(ERROR_KEY, record);
    } catch {
      // The journal cannot take it (full, gone): the process dies of the error all the same.
    }
  }
}
