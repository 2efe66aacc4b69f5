// Figure 1: what an acknowledged set() costs over the bare write it cannot do without.
import type { Measurement } from './measurement';
import { CLI, benchProgram } from './paths';
import { launchNode } from './processes';
import type { Figure } from './report';
import type { Scratch } from './scratch';
import type { SetResult, SetRun } from './set-program';
import { median } from './stats';

interface SetCase {
  readonly id: string;
  readonly label: string;
  readonly kind: SetRun['kind'];
  readonly bytes: number;
  /** Enough operations that a batch takes well over the clock's resolution. */
  readonly opsPerBatch: number;
  readonly rounds: number;
  readonly target: string;
  readonly note?: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const WARMUP_ROUNDS = 5;

const CASES: readonly SetCase[] = [
  { id: 'set-64B', label: 'set() 64 B Buffer', kind: 'buffer', bytes: 64, opsPerBatch: 1000, rounds: 150, target: 'ratio ≤ 1.5×', note: 'Python faultguard 1.1.1: 27 µs' },
  { id: 'set-64KiB', label: 'set() 64 KiB Buffer', kind: 'buffer', bytes: 64 * KiB, opsPerBatch: 100, rounds: 80, target: 'none stated' },
  { id: 'set-1MiB', label: 'set() 1 MiB Buffer', kind: 'buffer', bytes: MiB, opsPerBatch: 8, rounds: 80, target: 'ratio ≤ 1.3×', note: 'Python faultguard 1.1.1: 2.7 ms' },
  { id: 'set-64B-json', label: 'set() 64 B JSON string', kind: 'json', bytes: 64, opsPerBatch: 1000, rounds: 150, target: 'for information' },
  { id: 'breadcrumb', label: 'breadcrumb() of 64 characters', kind: 'breadcrumb', bytes: 64, opsPerBatch: 1000, rounds: 150, target: 'ratio ≤ 1.5×', note: 'a ring of 50 in the context journal' },
];

function sizeLabel(bytes: number): string {
  return bytes >= MiB ? `${bytes / MiB} MiB` : bytes >= KiB ? `${bytes / KiB} KiB` : `${bytes} B`;
}

/** Each case in a guarded process of its own, so each starts from an empty journal. */
async function measureCase(scratch: Scratch, setCase: SetCase): Promise<Figure> {
  const run: SetRun = {
    kind: setCase.kind,
    bytes: setCase.bytes,
    opsPerBatch: setCase.opsPerBatch,
    rounds: setCase.rounds,
    warmupRounds: WARMUP_ROUNDS,
    referencePath: scratch.file(`reference-${setCase.id}`),
  };
  const program = launchNode([CLI, 'run', '--', process.execPath, benchProgram('set-program'), JSON.stringify(run)], 90_000);
  const [, json] = await program.line(/^result (.*)$/);
  await program.finished;
  const result = JSON.parse(json) as SetResult;
  const ns = { set: median(result.set), reference: median(result.reference) };
  return {
    id: setCase.id,
    measured: { label: setCase.label, value: ns.set / 1000, unit: 'µs' },
    reference: { label: setCase.kind === 'breadcrumb' ? 'set() 64 B JSON string' : `fs.writeSync() ${sizeLabel(setCase.bytes)}`, value: ns.reference / 1000, unit: 'µs' },
    target: setCase.target,
    note: [setCase.note, `median of ${result.set.length} batches × ${setCase.opsPerBatch}`].filter(Boolean).join('; '),
    details: { opsPerBatch: setCase.opsPerBatch, warmupRounds: WARMUP_ROUNDS, nsPerOpBySetBatch: result.set, nsPerOpByReferenceBatch: result.reference },
  };
}

export const SET_COST: readonly Measurement[] = CASES.map((setCase) => ({
  label: setCase.label,
  measure: (scratch) => measureCase(scratch, setCase),
}));
