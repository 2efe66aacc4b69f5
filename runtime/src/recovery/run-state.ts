import { formatDuration, restartedText, RESTART_PENDING, type AutosaveHeader, type RunState } from '@faultguard/protocol';
import { hostName, liveness, type Liveness } from '../process/process-identity';

export type { RunState };

/**
 * What `judgeRun()` concludes.
 *
 * @example
 * ```ts
 * const { state, active, reason }: Judgement = judgeRun(header, modified);
 * ```
 */
export interface Judgement {
  /** active, crashed or orphaned. */
  readonly state: RunState;
  /** The writer still works on the file: a live run, or a crashed one whose final save is under way. */
  readonly active: boolean;
  /** Why, for people. */
  readonly reason: string;
}

/**
 * How runs are judged.
 *
 * @example
 * ```ts
 * isActive(file, { staleAfterSeconds: 60 } satisfies JudgeOptions); // a network share with slow clocks
 * ```
 */
export interface JudgeOptions {
  /**
   * For a run on another host, which this machine cannot ask about its processes: how old the
   * heartbeat may be for the run to count as alive. Default: 10 heartbeats (10 s).
   */
  readonly staleAfterSeconds?: number;
  /** The time to judge heartbeats at (ms since the epoch; default: now). */
  readonly now?: number;
}

/** How many heartbeats a run on another host may miss: clocks differ, networks stall. */
const MISSED_HEARTBEATS = 10;

/**
 * Judges a run from its header and heartbeat (the file's modification time, ms): active, crashed
 * or orphaned (protocol/SPEC.md §7.5).
 *
 * @example
 * ```ts
 * import { judgeRun, readAutosaveHead } from 'faultguard';
 *
 * const { header, modified } = readAutosaveHead('autosaves/app.fgsave');
 * console.log(judgeRun(header, modified).state);
 * ```
 */
export function judgeRun(header: AutosaveHeader, heartbeat: number, options: JudgeOptions = {}): Judgement {
  if (header.state === 'exited') {
    const reason = header.exit?.reason ?? 'ended abnormally';
    // Only a final save or a restart under way depends on the writer: a folder of crashed runs costs no /proc lookups.
    if (header.restartPending || header.finalSavePending) {
      if (writerAlive(header, liveness(header.writer), heartbeat, options).alive) {
        return { state: 'crashed', active: true, reason: `${reason} (${header.restartPending ? RESTART_PENDING : 'the guard is still writing the final save'})` };
      }
    }
    return { state: 'crashed', active: false, reason: `${reason}${restartedSuffix(header)}` };
  }
  const writer = liveness(header.writer);
  if (writer.state === 'gone') return { state: 'orphaned', active: false, reason: `guard ${header.writer.pid} died without recording an end (${writer.reason.replace(/^process \d+ /, '')})` };
  const { alive, why } = writerAlive(header, writer, heartbeat, options);
  return alive ? { state: 'active', active: true, reason: `${why}${restartedSuffix(header)}` } : { state: 'orphaned', active: false, reason: why };
}

/** "; restarted 3 times": a supervised run's history, in its reason (`ends` has each end). */
function restartedSuffix(header: AutosaveHeader): string {
  if (!header.restarts) return '';
  return `; ${restartedText(header.restarts)}`;
}

/** Whether the writer lives: asked of this machine's processes, or else read from the heartbeat. */
function writerAlive(header: AutosaveHeader, writer: Liveness, heartbeat: number, options: JudgeOptions): { alive: boolean; why: string } {
  if (writer.state !== 'unknown') return { alive: writer.state === 'alive', why: `guard ${header.writer.pid} is running` };
  const where = header.writer.host === hostName() ? writer.reason.replace(/^written /, '') : `on ${header.writer.host}`;
  const age = ((options.now ?? Date.now()) - heartbeat) / 1000;
  const staleAfter = staleAfterSeconds(header, options);
  // Never "dead" on a clock's word: a heartbeat from the future means the clocks differ.
  if (age < -staleAfter) return { alive: true, why: `${where}: heartbeat ${formatDuration(-age)} in the future (the clocks differ; cannot tell)` };
  if (age < staleAfter) return { alive: true, why: `running ${where}: heartbeat ${formatDuration(Math.max(0, age))} ago` };
  return { alive: false, why: `${where}, no heartbeat for ${formatDuration(age)} (more than ${formatDuration(staleAfter)})` };
}

/** An empty claim names no writer: only its age tells a starting run from a dead one. */
export function judgeClaim(heartbeat: number, options: JudgeOptions = {}): { active: boolean; reason: string } {
  const age = ageOfHeartbeat(heartbeat, options.now);
  const staleAfter = options.staleAfterSeconds ?? MISSED_HEARTBEATS;
  if (age < staleAfter) return { active: true, reason: `a run is starting (claimed ${formatDuration(age)} ago, nothing saved yet)` };
  return { active: false, reason: `claimed ${formatDuration(age)} ago and never saved: its guard died before the first save` };
}

/** A header's word on its heartbeat is believed up to a minute: a huge one would keep a dead run "alive". */
const LONGEST_HEARTBEAT_SECONDS = 60;

function staleAfterSeconds(header: AutosaveHeader, options: JudgeOptions): number {
  if (options.staleAfterSeconds !== undefined) return options.staleAfterSeconds;
  const beat = typeof header.heartbeatSeconds === 'number' && header.heartbeatSeconds > 0 ? Math.min(header.heartbeatSeconds, LONGEST_HEARTBEAT_SECONDS) : 1;
  return MISSED_HEARTBEATS * beat;
}

/** Seconds since the heartbeat; a heartbeat from the future (clock skew) counts as now. */
function ageOfHeartbeat(heartbeat: number, now = Date.now()): number {
  return Math.max(0, (now - heartbeat) / 1000);
}
