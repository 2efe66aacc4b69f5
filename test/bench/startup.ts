// Figure 3: what `faultguard run` adds to starting a program.
import { spawnSync } from 'node:child_process';
import type { Measurement } from './measurement';
import { CLI } from './paths';
import { median, nsToMs } from './stats';

const RUNS = 20;
/** Pairs run first and thrown away: they fill the page cache, which later runs all find full. */
const WARMUP_RUNS = 2;
const EMPTY_PROGRAM = [process.execPath, '-e', ''];

/**
 * NODE_EXTRA_CA_CERTS makes every Node process parse a certificate bundle at start-up (about
 * 50 ms here); the guard is one more Node process, so it pays that again. Measured without it,
 * as most machines are, and with it when it is set, so both costs are on record.
 */
const CLEAN_ENV = { ...process.env, NODE_EXTRA_CA_CERTS: undefined };

/** Wall time from spawning `command` to its exit, in ms. */
function timeRun([command, ...args]: readonly string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  const elapsed = nsToMs(process.hrtime.bigint() - start);
  if (result.status !== 0) throw new Error(`${[command, ...args].join(' ')} ended with ${result.status ?? result.signal}\n${result.stderr}`);
  return elapsed;
}

function startupMeasurement(env: NodeJS.ProcessEnv, condition: string): Measurement {
  const label = `faultguard run -- node -e '' (${condition})`;
  return {
    label,
    async measure() {
      const commands = { bare: EMPTY_PROGRAM, guarded: [process.execPath, CLI, 'run', '--', ...EMPTY_PROGRAM] };
      const samples = { bare: [] as number[], guarded: [] as number[] };
      for (let i = 0; i < WARMUP_RUNS + RUNS; i++) {
        // Interleaved, and in alternating order, so drift and cache effects hit both alike.
        const order = i % 2 === 0 ? (['bare', 'guarded'] as const) : (['guarded', 'bare'] as const);
        for (const which of order) {
          const ms = timeRun(commands[which], env);
          if (i >= WARMUP_RUNS) samples[which].push(ms);
        }
      }
      const guarded = median(samples.guarded);
      const bare = median(samples.bare);
      return {
        id: `startup ${condition}`,
        measured: { label, value: guarded, unit: 'ms' },
        reference: { label: "node -e ''", value: bare, unit: 'ms' },
        target: 'difference ≤ 60 ms',
        note: `difference ${(guarded - bare).toFixed(1)} ms; median of ${RUNS} runs each`,
        details: { differenceMs: guarded - bare, guardedMs: samples.guarded, bareMs: samples.bare },
      };
    },
  };
}

export const STARTUP: readonly Measurement[] = [
  startupMeasurement(CLEAN_ENV, 'no NODE_EXTRA_CA_CERTS'),
  ...(process.env.NODE_EXTRA_CA_CERTS ? [startupMeasurement(process.env, 'NODE_EXTRA_CA_CERTS set')] : []),
];
