// Figure 3: what `faultguard run` adds to starting a program.
import { spawnSync } from 'node:child_process';
import type { Measurement } from './measurement';
import { CLI } from './paths';
import { median, nsToMs } from './stats';

const RUNS = 20;
/** Pairs run first and thrown away: they fill the page cache, which later runs all find full. */
const WARMUP_RUNS = 2;
const EMPTY_PROGRAM = [process.execPath, '-e', ''];
const LABEL = "faultguard run -- node -e ''";

/** Wall time from spawning `command` to its exit, in ms. */
function timeRun([command, ...args]: readonly string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const elapsed = nsToMs(process.hrtime.bigint() - start);
  if (result.status !== 0) throw new Error(`${[command, ...args].join(' ')} ended with ${result.status ?? result.signal}\n${result.stderr}`);
  return elapsed;
}

export const STARTUP: Measurement = {
  label: LABEL,
  async measure() {
    const commands = { bare: EMPTY_PROGRAM, guarded: [process.execPath, CLI, 'run', '--', ...EMPTY_PROGRAM] };
    const samples = { bare: [] as number[], guarded: [] as number[] };
    for (let i = 0; i < WARMUP_RUNS + RUNS; i++) {
      // Interleaved, and in alternating order, so drift and cache effects hit both alike.
      const order = i % 2 === 0 ? (['bare', 'guarded'] as const) : (['guarded', 'bare'] as const);
      for (const which of order) {
        const ms = timeRun(commands[which]);
        if (i >= WARMUP_RUNS) samples[which].push(ms);
      }
    }
    const guarded = median(samples.guarded);
    const bare = median(samples.bare);
    return {
      id: 'startup',
      measured: { label: LABEL, value: guarded, unit: 'ms' },
      reference: { label: "node -e ''", value: bare, unit: 'ms' },
      target: 'difference ≤ 60 ms',
      note: `difference ${(guarded - bare).toFixed(1)} ms; median of ${RUNS} runs each`,
      details: { differenceMs: guarded - bare, guardedMs: samples.guarded, bareMs: samples.bare },
    };
  },
};
