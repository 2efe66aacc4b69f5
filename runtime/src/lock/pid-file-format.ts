import { hostname } from 'node:os';
import type { ProcessIdentity } from '@faultguard/protocol';

/** What a PID file says: who holds the lock, and which acquisition this is (protocol/SPEC.md §9). */
export interface PidFileContent {
  readonly identity: ProcessIdentity;
  /** Random, one per acquisition; absent in a plain PID file. */
  readonly nonce: string;
}

export class PidFileFormatError extends Error {
  override readonly name = 'PidFileFormatError';
}

const PID_LINE = /^[1-9][0-9]{0,9}$/;

/**
 * Line 1 is the PID alone, so `kill $(head -n1 file)` and tools that read plain PID files keep
 * working; the rest are key=value lines that make the holder identifiable beyond its PID.
 */
export function formatPidFile({ identity, nonce }: PidFileContent): string {
  return `${identity.pid}\nstart-time=${identity.startTime}\nboot-id=${identity.bootId}\nhost=${identity.host}\npid-namespace=${identity.pidNamespace ?? ''}\nnonce=${nonce}\n`;
}

/**
 * Reads our format and plain PID files alike. Lines without "=" (pandaemonium's timestamp) and
 * unknown keys are ignored; a file without the identity keys is judged by its PID alone, as
 * from this host, since a plain PID file says nothing else.
 */
export function parsePidFile(text: string): PidFileContent {
  const [first, ...rest] = text.split('\n');
  const pidText = first.replace(/^[ \t\r]+|[ \t\r]+$/g, ''); // §9.1: spaces, tabs, a CR; nothing else
  const pid = Number(pidText);
  if (!PID_LINE.test(pidText) || pid > 0x7fffffff) throw new PidFileFormatError(`its first line is not a PID: ${JSON.stringify(first.slice(0, 40))}`);
  const fields = new Map<string, string>();
  for (const line of rest) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return {
    identity: { pid, startTime: fields.get('start-time') ?? '', bootId: fields.get('boot-id') ?? '', host: fields.get('host') ?? hostname(), pidNamespace: fields.get('pid-namespace') ?? '' },
    nonce: fields.get('nonce') ?? '',
  };
}
