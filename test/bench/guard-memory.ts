// Figure 4: the guard's memory while its program holds 100 MiB. The data lives in the journal
// on tmpfs, not in either process's heap; the journal's size and the program's RSS are shown
// beside the guard's so that the reader can see where the 100 MiB went.
import { readFileSync, statSync } from 'node:fs';
import type { Load } from './holder';
import { launchHolder } from './holder-run';
import type { Measurement } from './measurement';
import type { Scratch } from './scratch';

const MiB = 1024 * 1024;
const SMALL: Load = { count: 1, size: 1024 };
const LARGE: Load = { count: 100, size: MiB };

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kB) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kB[1]) / 1024;
}

interface Holding {
  readonly guardMiB: number;
  readonly programMiB: number;
  readonly journalMiB: number;
}

async function readHolding(load: Load, scratch: Scratch): Promise<Holding> {
  const run = await launchHolder('guarded', load, scratch);
  const holding = { guardMiB: rssMiB(run.guardPid), programMiB: rssMiB(run.programPid), journalMiB: statSync(run.dataPath).size / MiB };
  await run.killAndTime();
  return holding;
}

export const GUARD_MEMORY: Measurement = {
  label: 'guard RSS holding 100 MiB',
  async measure(scratch) {
    const small = await readHolding(SMALL, scratch);
    const large = await readHolding(LARGE, scratch);
    return {
      id: 'guard-rss-100MiB',
      measured: { label: 'guard VmRSS, program holds 100 MiB', value: large.guardMiB, unit: 'MiB' },
      reference: { label: 'guard VmRSS, program holds 1 KiB', value: small.guardMiB, unit: 'MiB' },
      target: 'none stated',
      note: `journal ${large.journalMiB.toFixed(1)} MiB on tmpfs; program VmRSS ${large.programMiB.toFixed(1)} MiB (${small.programMiB.toFixed(1)} MiB with 1 KiB)`,
      details: { holding100MiB: large, holding1KiB: small },
    };
  },
};
