// Figure 4: the guard's memory while its program holds 100 MiB. The data lives in the journal
// on tmpfs, not in either process's heap; the journal's size and the program's RSS are shown
// beside the guard's so that the reader can see where the 100 MiB went.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Load } from './holder';
import { launchHolder } from './holder-run';
import type { Measurement } from './measurement';
import type { Scratch } from './scratch';

const MiB = 1024 * 1024;
const SMALL: Load = { count: 1, size: 1024 };
const LARGE: Load = { count: 100, size: MiB };

/** VmRSS (now) or VmHWM (the peak so far) of a process, in MiB. */
function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  if (!kB) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kB[1]) / 1024;
}

interface Holding {
  readonly guardMiB: number;
  readonly programMiB: number;
  readonly journalMiB: number;
}

async function readHolding(load: Load, scratch: Scratch): Promise<Holding> {
  const run = await launchHolder('guarded', load, scratch);
  const holding = { guardMiB: memoryMiB(run.guardPid), programMiB: memoryMiB(run.programPid), journalMiB: statSync(run.dataPath).size / MiB };
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

/** The guard's peak memory until an autosave of 100 MiB is complete, and the rescue's delay then. */
export const GUARD_MEMORY_AUTOSAVE: Measurement = {
  label: 'guard peak memory across an autosave of 100 MiB',
  async measure(scratch) {
    const plain = await launchHolder('guarded', LARGE, scratch);
    const plainPeak = memoryMiB(plain.guardPid, 'VmHWM');
    await plain.killAndTime();
    const folder = scratch.file('autosaves');
    mkdirSync(folder);
    const saving = await launchHolder('guarded', LARGE, scratch, folder);
    const file = await autosaveHolding(folder, LARGE.count * LARGE.size);
    const peak = memoryMiB(saving.guardPid, 'VmHWM');
    const rescueMs = await saving.killAndTime();
    return {
      id: 'guard-peak-autosave-100MiB',
      measured: { label: 'guard VmHWM, one 100 MiB autosave done', value: peak, unit: 'MiB' },
      reference: { label: 'guard VmHWM, no autosave', value: plainPeak, unit: 'MiB' },
      target: 'none stated',
      note: `autosave ${(statSync(file).size / MiB).toFixed(1)} MiB; SIGKILL → rescue with the final save under way: ${rescueMs.toFixed(1)} ms`,
      details: { peakMiB: peak, plainPeakMiB: plainPeak, rescueMs },
    };
  },
};

/** Waits until the folder's autosave holds at least `bytes` (its first full save is done). */
async function autosaveHolding(folder: string, bytes: number): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const name = readdirSync(folder).find((entry) => entry.endsWith('.fgsave'));
    if (name && statSync(join(folder, name)).size >= bytes) return join(folder, name);
    if (Date.now() > deadline) throw new Error(`no complete autosave in ${folder} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
