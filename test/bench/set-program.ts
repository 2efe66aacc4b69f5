// The program figure 1 runs under `faultguard run`: times acknowledged set() against a bare
// writeSync() of the same bytes, in alternating rounds of one process, and prints the per-op
// nanoseconds of every batch as one `result <json>` line.
// Usage: node set-program.js '<SetRun as JSON>'
import { randomBytes } from 'node:crypto';
import { connect } from '@faultguard/runtime';
import { ReferenceFile } from './reference-file';

export interface SetRun {
  /**
   * Store a Buffer, or a string whose JSON text has `bytes` bytes, against a bare write; or record
   * a breadcrumb of `bytes` characters against a set() of a string of that JSON size.
   */
  readonly kind: 'buffer' | 'json' | 'breadcrumb';
  readonly bytes: number;
  readonly opsPerBatch: number;
  /** Rounds of one set() batch and one reference batch each, after the warm-up rounds. */
  readonly rounds: number;
  readonly warmupRounds: number;
  readonly referencePath: string;
}

export interface SetResult {
  /** Nanoseconds per operation, one sample per batch. */
  readonly set: number[];
  readonly reference: number[];
}

/** One key, set again and again: the journal grows only until compaction cuts it back. */
const KEY = 'value';

function timeBatch(ops: number, op: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) op();
  return Number(process.hrtime.bigint() - start) / ops;
}

function main(run: SetRun): SetResult {
  const data = connect();
  if (!data) throw new Error('set-program measures a real journal: run it under `faultguard run`');
  const value = run.kind === 'buffer' ? randomBytes(run.bytes) : 'x'.repeat(run.bytes - 2);
  const bytes = typeof value === 'string' ? Buffer.from(JSON.stringify(value)) : value;
  const reference = new ReferenceFile(run.referencePath);
  const result: SetResult = { set: [], reference: [] };
  const measured = run.kind === 'breadcrumb' ? () => data.breadcrumb(value as string) : () => data.set(KEY, value);
  const baseline = run.kind === 'breadcrumb' ? () => data.set(KEY, value) : () => reference.append(bytes);
  try {
    for (let round = 0; round < run.warmupRounds + run.rounds; round++) {
      const timeSet = () => timeBatch(run.opsPerBatch, measured);
      const timeReference = () => timeBatch(run.opsPerBatch, baseline);
      // Alternating which goes first cancels any advantage of going first or second.
      let setNs: number;
      let referenceNs: number;
      if (round % 2 === 0) {
        setNs = timeSet();
        referenceNs = timeReference();
      } else {
        referenceNs = timeReference();
        setNs = timeSet();
      }
      if (round < run.warmupRounds) continue;
      result.set.push(setNs);
      result.reference.push(referenceNs);
    }
  } finally {
    reference.remove();
  }
  return result;
}

const spec = process.argv[2];
if (spec === undefined) throw new Error("usage: set-program.js '<SetRun as JSON>'");
process.stdout.write(`result ${JSON.stringify(main(JSON.parse(spec) as SetRun))}\n`);
