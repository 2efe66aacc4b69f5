import { DEFAULT_BREADCRUMBS, ENV_BREADCRUMBS, ENV_CONTEXT, ENV_JOURNAL, ENV_PING, ENV_PROTOCOL, ENV_RESUME, ENV_WATCHDOG, MAX_BREADCRUMBS, PROTOCOL_VERSION } from '@faultguard/protocol';
import { ContextRecorder } from './context-recorder';
import { recordFatalErrors } from './fatal-errors';
import { GuardedData } from './guarded-data';
import { JournalWriter } from './journal-writer';
import { readResumeFile } from './resume-file';
import { WatchdogPing } from './watchdog-ping';

let connected: GuardedData | undefined;

/** The context journal holds a ring of breadcrumbs: compacted long before the data journal would be. */
const CONTEXT_COMPACT_FROM = 1024 * 1024;

/**
 * True when this process was started by a Faultguard guard (whether or not it has connected yet),
 * without connecting.
 *
 * @example
 * ```ts
 * import { isGuarded } from 'faultguard';
 *
 * if (!isGuarded()) console.warn('not guarded: a crash would lose the draft');
 * ```
 */
export function isGuarded(): boolean {
  return connected !== undefined || process.env[ENV_JOURNAL] !== undefined;
}

/**
 * The data object of this guarded process, or undefined when no guard started it (as under
 * `faultguard run -- node app.js`, or any program of another language with a client).
 * The guard's variables are removed from the environment so that programs this one starts do
 * not write into its journal; calling connect() again returns the same object. When the guard
 * keeps a crash context, this process's fatal errors are recorded for it from now on.
 *
 * @example
 * ```ts
 * import { connect } from 'faultguard';
 *
 * const data = connect();
 * for (const line of ['first', 'second']) data?.set(`line ${line}`, line);
 * ```
 */
export function connect(): GuardedData | undefined {
  if (connected) return connected;
  const path = process.env[ENV_JOURNAL];
  if (path === undefined) return undefined;
  const version = process.env[ENV_PROTOCOL];
  if (version !== PROTOCOL_VERSION) {
    throw new Error(`faultguard: the guard speaks protocol ${version ?? '(none)'}, this client speaks ${PROTOCOL_VERSION}`);
  }
  const resume = readResumeFile(process.env[ENV_RESUME]);
  const { writer, entries } = JournalWriter.open(path, resume?.journal && { ino: resume.journal.ino, bytes: resume.journal.verifiedBytes });
  const folder = path.slice(0, path.lastIndexOf('/'));
  const recorder = openContext(process.env[ENV_CONTEXT], process.env[ENV_BREADCRUMBS]);
  const ping = openPing(process.env[ENV_PING], process.env[ENV_WATCHDOG], folder);
  for (const name of [ENV_JOURNAL, ENV_PROTOCOL, ENV_CONTEXT, ENV_BREADCRUMBS, ENV_RESUME, ENV_PING, ENV_WATCHDOG]) delete process.env[name];
  if (recorder) recordFatalErrors(recorder, folder);
  connected = new GuardedData(writer, entries, { breadcrumbs: recorder, resumed: resume?.resumed, ping });
  return connected;
}

/** The context journal, if the guard keeps one: a context is worth having, never worth failing for. */
function openContext(path: string | undefined, capacity: string | undefined): ContextRecorder | undefined {
  if (!path) return undefined;
  try {
    const { writer, entries } = JournalWriter.open(path);
    const ring = Number(capacity);
    const size = Number.isSafeInteger(ring) && ring >= 1 && ring <= MAX_BREADCRUMBS ? ring : DEFAULT_BREADCRUMBS;
    return new ContextRecorder(new GuardedData(writer, entries, { compactFromBytes: CONTEXT_COMPACT_FROM }), size);
  } catch {
    return undefined;
  }
}

/** The watchdog's ping file, if the guard keeps a watchdog. */
function openPing(path: string | undefined, seconds: string | undefined, folder: string): WatchdogPing | undefined {
  const timeout = Number(seconds);
  if (!path || !(timeout > 0)) return undefined;
  try {
    return new WatchdogPing(path, timeout, folder);
  } catch {
    return undefined;
  }
}
