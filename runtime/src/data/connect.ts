import { ENV_JOURNAL, ENV_PROTOCOL, PROTOCOL_VERSION } from '@faultguard/protocol';
import { GuardedData } from './guarded-data';
import { JournalWriter } from './journal-writer';

let connected: GuardedData | undefined;

/** True when this process was started by a Faultguard guard (and has not connected yet). */
export function isGuarded(): boolean {
  return connected !== undefined || process.env[ENV_JOURNAL] !== undefined;
}

/**
 * The data object of this guarded process, or undefined when no guard started it.
 * The guard's variables are removed from the environment so that programs this one starts do
 * not write into its journal; calling connect() again returns the same object.
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
