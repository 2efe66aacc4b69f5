// The shell rescue: from SIGKILL of a program under `faultguard run --on-crash` to its command's
// start, beside start()'s rescue of the same data in the same run (the guarded holder's rescue
// handler being called): with the values folder (FAULTGUARD_RESCUE_DIR, one file per value), and
// with --no-rescue-dir (the journal alone). The command is `echo started`, first thing; the
// harness stamps the time its line arrives. After it, the command checks what it was given and
// says so: a broken hand-off fails the run. Beside the values folder: `tar -x` making as many
// files (the kernel's floor for that way; up to 100,000, ten times that for a million).
import { HOLDER_AUTOSAVE, loadArgs, READY_LINE, type Load } from './holder';
import { tarExtractMs } from './file-creation-floor';
import { launchHolder } from './holder-run';
import type { Measurement } from './measurement';
import { benchProgram, CLI } from './paths';
import { adopt, launchNode, release } from './processes';
import type { Scratch } from './scratch';
import { median, nsToMs } from './stats';

const STARTED_LINE = /^started$/;
const CHECKED_LINE = /^checked$/;
/** Runs for start() and for each way of the shell rescue, per size: fewer where one run takes long. */
const RUNS: Readonly<Record<number, number>> = { 1000: 9, 100_000: 5, 1_000_000: 3 };
const VALUE_BYTES = 64;

type Way = 'folder' | 'journal';

/** The command: its line first, then a check that it got what it should. */
function commandFor(way: Way): string {
  const check = way === 'folder' ? '[ -f "$FAULTGUARD_RESCUE_DIR/index.json" ]' : '[ -z "${FAULTGUARD_RESCUE_DIR-}" ] && [ -f "$FAULTGUARD_RESCUE_JOURNAL" ]';
  return `echo started; ${check} && echo checked`;
}

async function shellRescueMs(load: Load, way: Way): Promise<number> {
  const options = way === 'folder' ? [] : ['--no-rescue-dir'];
  const guard = launchNode([CLI, 'run', '-q', ...options, '--on-crash', commandFor(way), '--', process.execPath, benchProgram('shell-holder'), ...loadArgs(load)], 600_000, { ...process.env, [HOLDER_AUTOSAVE]: undefined });
  const [, pid] = await guard.line(READY_LINE);
  const programPid = Number(pid);
  adopt(programPid);
  const killedAt = process.hrtime.bigint();
  process.kill(programPid, 'SIGKILL');
  await guard.line(STARTED_LINE);
  const ms = nsToMs(process.hrtime.bigint() - killedAt);
  release(programPid);
  await guard.line(CHECKED_LINE);
  await guard.finished.catch((error: Error) => {
    // The guard ends like its program: killed by SIGKILL. Anything else is a failed hand-off.
    if (!/killed by SIGKILL/.test(error.message)) throw error;
  });
  return ms;
}

/** A million files take tar about as long as ten times 100,000 (tmpfs makes each in the same time): measured at most at 100,000. */
function tarFloor(scratch: Scratch, count: number): number {
  return count > 100_000 ? tarExtractMs(scratch, 100_000, VALUE_BYTES) * (count / 100_000) : tarExtractMs(scratch, count, VALUE_BYTES);
}

function shellRescue(count: number): Measurement[] {
  const load: Load = { count, size: VALUE_BYTES };
  const runs = RUNS[count];
  const label = (way: Way) => `SIGKILL → --on-crash command starts, ${count.toLocaleString('en')} values (${way === 'folder' ? 'values folder' : '--no-rescue-dir'})`;
  // One start() figure per size serves both ways: measured once, alongside the first.
  let startSamples: number[] | undefined;
  const measure = (way: Way) => async (scratch: Scratch) => {
    const shell: number[] = [];
    const reference = startSamples ?? [];
    for (let i = 0; i < runs; i++) {
      shell.push(await shellRescueMs(load, way));
      if (startSamples === undefined) reference.push(await (await launchHolder('guarded', load, scratch)).killAndTime());
    }
    startSamples = reference;
    const floor = way === 'folder' ? `; tar -x of ${count.toLocaleString('en')} such files: ${tarFloor(scratch, count).toFixed(0)} ms` : '';
    return {
      id: `shell-rescue-${way}-${count}`,
      measured: { label: label(way), value: median(shell), unit: 'ms' as const },
      reference: { label: "start()'s rescue of the same data: handler called", value: median(reference), unit: 'ms' as const },
      target: '≤ 2× start()',
      note: `${count.toLocaleString('en')} values of ${VALUE_BYTES} B; median of ${runs} runs${floor}`,
      details: { load, shellMs: shell, startMs: reference },
    };
  };
  return (['folder', 'journal'] as const).map((way) => ({ label: label(way), measure: measure(way) }));
}

export const SHELL_RESCUE: readonly Measurement[] = [1000, 100_000, 1_000_000].flatMap(shellRescue);
