// Figure: what isActive() costs on a live run's autosave (header read and checksum, /proc
// lookups of PID, start time, boot id and PID namespace), beside a bare stat() of the same file.
import { statSync, writeFileSync } from 'node:fs';
import { encodeJournalHeader } from '@faultguard/protocol';
import { isActive } from '@faultguard/runtime';
import { claimAutosaveTarget } from '../../runtime/src/autosave/autosave-claim';
import { Autosaver } from '../../runtime/src/autosave/autosaver';
import type { Measurement } from './measurement';
import { median } from './stats';

const CALLS = 2000;
const ROUNDS = 15;

/** Median over rounds of the mean time per call, in µs. */
function timePerCall(call: () => unknown): number {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) call();
    rounds.push(Number(process.hrtime.bigint() - started) / 1000 / CALLS);
  }
  return median(rounds);
}

export const IS_ACTIVE_COST: Measurement = {
  label: 'isActive() on a live run',
  async measure(scratch) {
    const journalPath = scratch.file('is-active-journal');
    writeFileSync(journalPath, encodeJournalHeader());
    const file = scratch.file('is-active.fgsave');
    const claim = claimAutosaveTarget(file);
    // This process is the writer, so the run is live and every check runs, /proc included.
    const saver = new Autosaver(claim, 3600, (message) => process.stderr.write(`bench: ${message}\n`));
    saver.start({ journalPath, programPid: process.pid, command: ['bench'], cwd: process.cwd() });
    try {
      while (statSync(file).ino === claim.ino) await new Promise((resolve) => setTimeout(resolve, 5));
      if (!isActive(file).active) throw new Error('the bench run should be live');
      const cost = timePerCall(() => isActive(file));
      const stat = timePerCall(() => statSync(file));
      return {
        id: 'is-active',
        measured: { label: 'isActive(), live run', value: cost, unit: 'µs' },
        reference: { label: 'statSync() of the same file', value: stat, unit: 'µs' },
        target: 'none stated (print it)',
        note: `${CALLS} calls × ${ROUNDS} rounds; ls of 1,000 files costs about 1,000 of these`,
        details: { isActiveUs: cost, statUs: stat },
      };
    } finally {
      await saver.discard();
    }
  },
};
