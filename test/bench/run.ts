// The benchmark report: `npm run bench`. Prints one line per figure beside a reference measured
// in the same run, and writes the same as JSON to test-output/bench.json. It asserts nothing.
import { AUTOSAVE_THROUGHPUT, HEARTBEAT_DURING_SAVE } from './autosave-throughput';
import { GUARD_MEMORY, GUARD_MEMORY_AUTOSAVE } from './guard-memory';
import { IS_ACTIVE_COST } from './is-active-cost';
import { LS_COST } from './ls-cost';
import type { Measurement } from './measurement';
import { REPORT_PATH } from './paths';
import { killAlive } from './processes';
import { PYTHON_CLIENT } from './python-client';
import { printReport, writeReport, type Figure } from './report';
import { RECOVERY_SERVICE } from './recovery-service';
import { RESCUE_LATENCY } from './rescue-latency';
import { createScratch } from './scratch';
import { SET_COST } from './set-cost';
import { RESTART_LATENCY } from './restart-latency';
import { SHELL_RESCUE } from './shell-rescue';
import { STARTUP } from './startup';

const ALL: readonly Measurement[] = [...SET_COST, ...RESCUE_LATENCY, ...SHELL_RESCUE, ...STARTUP, ...RESTART_LATENCY, GUARD_MEMORY, GUARD_MEMORY_AUTOSAVE, AUTOSAVE_THROUGHPUT, HEARTBEAT_DURING_SAVE, IS_ACTIVE_COST, ...LS_COST, ...RECOVERY_SERVICE, ...PYTHON_CLIENT];
/** `npm run bench -- Python`: only the figures whose label contains the words given. */
const only = process.argv.slice(2).join(' ');
const MEASUREMENTS = only ? ALL.filter((measurement) => measurement.label.includes(only)) : ALL;

async function main(): Promise<void> {
  const scratch = createScratch();
  const cleanUp = () => {
    killAlive();
    scratch.remove();
  };
  // Every guard started from here inherits this, so all journals land where cleanUp removes them.
  process.env.FAULTGUARD_JOURNAL_DIR = scratch.journalRoot;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
  try {
    const figures: Figure[] = [];
    for (const [i, measurement] of MEASUREMENTS.entries()) {
      process.stderr.write(`[${i + 1}/${MEASUREMENTS.length}] ${measurement.label}\n`);
      figures.push(await measurement.measure(scratch));
    }
    printReport(figures);
    writeReport(REPORT_PATH, figures);
    process.stdout.write(`\nWritten to ${REPORT_PATH}\n`);
  } finally {
    cleanUp();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
