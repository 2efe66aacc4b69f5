// Starts a holder program, waits until its load is stored, and kills it as a crash would.
import { HOLDER_AUTOSAVE, READY_LINE, RESCUED_LINE, loadArgs, type Load } from './holder';
import { benchProgram } from './paths';
import { adopt, launchNode, release } from './processes';
import type { Scratch } from './scratch';
import { nsToMs } from './stats';

export type Holder = 'guarded' | 'bare';

export interface HolderRun {
  /** The process the harness started: the guard (or the bare parent). */
  readonly guardPid: number;
  /** The process holding the data in the journal (or the data file). */
  readonly programPid: number;
  readonly dataPath: string;
  /** SIGKILLs the program; resolves with the ms until its data was handed over. */
  killAndTime(): Promise<number>;
}

/** `autosaveFolder`: the guarded holder also autosaves there, every second. */
export async function launchHolder(holder: Holder, load: Load, scratch: Scratch, autosaveFolder?: string): Promise<HolderRun> {
  const args =
    holder === 'guarded'
      ? [benchProgram('guarded-holder'), ...loadArgs(load)]
      : [benchProgram('bare-holder'), ...loadArgs(load), scratch.file('bare-holder-data')];
  const guard = launchNode(args, 60_000, { ...process.env, [HOLDER_AUTOSAVE]: autosaveFolder });
  const [, pid, dataPath] = await guard.line(READY_LINE);
  const programPid = Number(pid);
  adopt(programPid);

  async function killAndTime(): Promise<number> {
    // Stamped as late as possible: nothing but the kill itself lies between the two clocks.
    const killedAt = process.hrtime.bigint();
    process.kill(programPid, 'SIGKILL');
    const [, rescuedAt, values] = await guard.line(RESCUED_LINE);
    release(programPid);
    await guard.finished;
    if (Number(values) !== load.count) throw new Error(`${holder} holder handed over ${values} of ${load.count} values`);
    return nsToMs(BigInt(rescuedAt) - killedAt);
  }
  return { guardPid: guard.pid, programPid, dataPath, killAndTime };
}
