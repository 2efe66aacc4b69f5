// Crash → the restarted program's first acknowledged set(): `--restart`, which hands the new run
// the data the dead one left, against a plain restart (a shell loop that runs `faultguard run`
// again, with an empty journal), measured in the same run, with 1 KiB and with 100 MiB of data.
import { rmSync } from 'node:fs';
import type { Measurement } from './measurement';
import { benchProgram, LAUNCHER } from './paths';
import { launchNode } from './processes';
import type { Scratch } from './scratch';
import { median } from './stats';

const RUNS = 7;
const MiB = 1024 * 1024;

interface Load {
  readonly label: string;
  readonly bytes: number;
  readonly count: number;
}

const LOADS: readonly Load[] = [
  { label: '1 KiB', bytes: 1024, count: 1 },
  { label: '100 MiB', bytes: MiB, count: 100 },
];

/** One crash and restart: ms from the SIGKILL to the new run's first acknowledged set(). */
async function oneRestart(scratch: Scratch, load: Load, how: 'supervised' | 'plain', round: number): Promise<number> {
  const marker = scratch.file(`restart-${how}-${load.count}-${round}`);
  const app = [benchProgram('restart-app'), marker, String(load.bytes), String(load.count)];
  // The reference: what a user does without --restart, a loop that starts the guard again.
  const command = how === 'supervised'
    ? [LAUNCHER, 'run', '-q', '--restart', 'on-failure', '--backoff', '0', '--', process.execPath, ...app]
    : ['/bin/sh', '-c', `for run in 1 2; do "$0" run -q -- "$@"; done`, LAUNCHER, process.execPath, ...app];
  const child = launchNode(['-e', 'require("node:child_process").spawn(process.argv[1], process.argv.slice(2), { stdio: "inherit" }).on("exit", (c) => process.exit(c ?? 1))', ...command], 120_000);
  try {
    const pid = Number((await child.line(/^ready (\d+)$/))[1]);
    const killed = performance.timeOrigin + performance.now();
    process.kill(pid, 'SIGKILL');
    const acknowledged = Number((await child.line(/^acknowledged ([\d.]+)$/))[1]);
    await child.finished.catch(() => undefined);
    return acknowledged - killed;
  } finally {
    rmSync(marker, { force: true });
  }
}

function restartLatency(load: Load): Measurement {
  const label = `crash → first set() of the restarted run, ${load.label} resumed`;
  return {
    label,
    async measure(scratch) {
      const samples = { supervised: [] as number[], plain: [] as number[] };
      for (let round = 0; round < RUNS; round++) {
        for (const how of round % 2 === 0 ? (['supervised', 'plain'] as const) : (['plain', 'supervised'] as const)) samples[how].push(await oneRestart(scratch, load, how, round));
      }
      const [supervised, plain] = [median(samples.supervised), median(samples.plain)];
      return {
        id: `restart ${load.label}`,
        measured: { label: `--restart, ${load.label} resumed`, value: supervised, unit: 'ms' },
        reference: { label: 'a shell loop re-running faultguard run (no data)', value: plain, unit: 'ms' },
        target: load.count === 1 ? 'difference ≤ 5 ms' : 'not proportional to the data',
        note: `difference ${(supervised - plain).toFixed(1)} ms; median of ${RUNS} each`,
        details: { samples },
      };
    },
  };
}

export const RESTART_LATENCY: readonly Measurement[] = LOADS.map(restartLatency);
