// Figure 2: from SIGKILL of a guarded program to its rescue handler being called.
import type { Load } from './holder';
import { launchHolder, type Holder } from './holder-run';
import type { Measurement } from './measurement';
import type { Figure } from './report';
import type { Scratch } from './scratch';
import { median } from './stats';

interface LatencyCase {
  readonly id: string;
  readonly label: string;
  readonly load: Load;
  readonly runs: number;
  readonly target: string;
  readonly pythonMs: number;
}

const CASES: readonly LatencyCase[] = [
  { id: 'kill-to-rescue-1KiB', label: 'SIGKILL → rescue, 1 KiB', load: { count: 1, size: 1024 }, runs: 15, target: '≤ 5 ms', pythonMs: 11.5 },
  { id: 'kill-to-rescue-100MiB', label: 'SIGKILL → rescue, 100 MiB', load: { count: 100, size: 1024 * 1024 }, runs: 5, target: '≤ 150 ms', pythonMs: 379 },
];

async function timeOnce(holder: Holder, load: Load, scratch: Scratch): Promise<number> {
  const run = await launchHolder(holder, load, scratch);
  return run.killAndTime();
}

async function measureCase(scratch: Scratch, latencyCase: LatencyCase): Promise<Figure> {
  const samples: Record<Holder, number[]> = { guarded: [], bare: [] };
  // Guarded and bare runs take turns, so that drift of the machine affects both alike.
  for (let i = 0; i < latencyCase.runs; i++) {
    for (const holder of ['guarded', 'bare'] as const) samples[holder].push(await timeOnce(holder, latencyCase.load, scratch));
  }
  return {
    id: latencyCase.id,
    measured: { label: latencyCase.label, value: median(samples.guarded), unit: 'ms' },
    reference: { label: 'bare Node parent: exit event + readFileSync', value: median(samples.bare), unit: 'ms' },
    target: latencyCase.target,
    note: `Python faultguard 1.1.1: ${latencyCase.pythonMs} ms; median of ${latencyCase.runs} runs`,
    details: { load: latencyCase.load, guardedMs: samples.guarded, bareMs: samples.bare },
  };
}

export const RESCUE_LATENCY: readonly Measurement[] = CASES.map((latencyCase) => ({
  label: latencyCase.label,
  measure: (scratch) => measureCase(scratch, latencyCase),
}));
