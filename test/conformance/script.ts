// The language-neutral script a conformance driver performs, the snapshot it writes, and the model
// that says what a snapshot must hold. Every driver (test/fixtures/conformance-driver.ts,
// test/fixtures/python/conformance_driver.py) reads the same JSON and writes the same snapshots.
import { createHash } from 'node:crypto';

/** How a value is made: the same bytes in every language, so that drivers need no shared data files. */
export type ValueSpec =
  | { readonly json: unknown }
  | { readonly bytes: string } // base64
  | { readonly ramp: number } // that many bytes: byte i is (i * 7 + 3) mod 256
  | { readonly text: number } // a JSON string of that many characters: "abcdefghij" repeated
  | { readonly native: string }; // a value only some clients have (a Python pickle): the adapter says

export type Crash = 'segv' | 'kill' | 'throw' | { readonly exit: number };

export type Op =
  | { readonly op: 'set'; readonly key: string; readonly value: ValueSpec }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'clear' }
  | { readonly op: 'report'; readonly name: string } // write the program's own view to <out>/<name>.json
  | { readonly op: 'touch'; readonly path: string }
  | { readonly op: 'wait-file'; readonly path: string }
  | { readonly op: 'crash'; readonly how: Crash };

/** What a driver is asked to do: run a guarded program, recover an autosave, or judge one. */
export type DriverConfig =
  | { readonly mode: 'run'; readonly ops: readonly Op[]; readonly out: string; readonly autosave?: { readonly file: string; readonly interval: number } }
  | { readonly mode: 'recover'; readonly file: string; readonly out: string }
  | { readonly mode: 'is-active'; readonly file: string; readonly out: string };

export interface SnapshotEntry {
  readonly key: string;
  readonly encoding: string;
  readonly size: number;
  /** SHA-256 of the stored bytes, hex. */
  readonly sha256: string;
  /** The decoded value, for `json` entries only. */
  readonly value?: unknown;
}

export interface ExitRecordLike {
  readonly code: number | null;
  readonly signal: string | null;
  readonly category: string;
  readonly reason: string;
  readonly status: number;
}

/** <out>/<report name>.json, <out>/rescue.json and <out>/recovered.json all hold one of these. */
export interface Snapshot {
  readonly entries: readonly SnapshotEntry[];
  readonly exit: ExitRecordLike | null;
  /** rescue.json: the exit code the rescue was given; recovered.json: "newest" or "previous". */
  readonly status?: number;
  readonly generation?: 'newest' | 'previous';
}

export function makeBytes(spec: { ramp: number }): Buffer {
  const bytes = Buffer.alloc(spec.ramp);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return bytes;
}

export function makeText(size: number): string {
  return 'abcdefghij'.repeat(Math.ceil(size / 10)).slice(0, size);
}

/** What a spec stores in a client that has it: JSON data or bytes (native values are the adapter's). */
export function materialize(spec: ValueSpec): { json: unknown } | { bytes: Buffer } | { native: string } {
  if ('bytes' in spec) return { bytes: Buffer.from(spec.bytes, 'base64') };
  if ('ramp' in spec) return { bytes: makeBytes(spec) };
  if ('text' in spec) return { json: makeText(spec.text) };
  if ('native' in spec) return { native: spec.native };
  return { json: spec.json };
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What the live entries must be after the sets, deletes and clears of a script, in live order. */
export interface Expected {
  readonly key: string;
  readonly value: ReturnType<typeof materialize>;
}

export function expectedEntries(ops: readonly Op[]): Expected[] {
  const live = new Map<string, Expected>();
  for (const op of ops) {
    if (op.op === 'set') live.set(op.key, { key: op.key, value: materialize(op.value) });
    else if (op.op === 'delete') live.delete(op.key);
    else if (op.op === 'clear') live.clear();
  }
  return [...live.values()];
}

/** The live entries a report written at `report` must show: the script up to that op. */
export function expectedAt(ops: readonly Op[], report: string): Expected[] {
  const index = ops.findIndex((op) => op.op === 'report' && op.name === report);
  if (index < 0) throw new Error(`no report ${report} in the script`);
  return expectedEntries(ops.slice(0, index));
}
