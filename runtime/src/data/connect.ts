import { ENV_JOURNAL, ENV_PROTOCOL, PROTOCOL_VERSION } from '@faultguard/protocol';
import { GuardedData } from './guarded-data';
import { JournalWriter } from './journal-writer';

let connected: GuardedData | undefined;

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
 * not write into its journal; calling connect() again returns the same object.
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
  const { writer, entries } = JournalWriter.open(path);
  delete process.env[ENV_JOURNAL];
  delete process.env[ENV_PROTOCOL];
  connected = new GuardedData(writer, entries);
  return connected;
}
