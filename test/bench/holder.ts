// What the holder programs (guarded-holder, bare-holder) and the harness that kills them agree
// on: the data a holder stores, and the lines it prints.
import { randomBytes } from 'node:crypto';

export interface Load {
  readonly count: number;
  /** Bytes per value. */
  readonly size: number;
}

export function loadArgs(load: Load): string[] {
  return [String(load.count), String(load.size)];
}

export function parseLoad(args: readonly string[]): Load {
  const [count, size] = args.map(Number);
  if (!(count > 0 && size > 0)) throw new Error(`usage: <count> <size>, not ${args.join(' ')}`);
  return { count, size };
}

/** The load as keyed values; one random buffer serves for all, as storing copies it anyway. */
export function* loadValues(load: Load): Generator<[string, Buffer]> {
  const value = randomBytes(load.size);
  for (let i = 0; i < load.count; i++) yield [`value-${i}`, value];
}

/** Environment variable naming a folder the guarded holder autosaves to (every second). */
export const HOLDER_AUTOSAVE = 'HOLDER_AUTOSAVE';

/** `ready <program pid> <file holding the data>` once everything is stored. */
export const READY_LINE = /^ready (\d+) (.+)$/;
/** `rescued <CLOCK_MONOTONIC ns when the data was handed over> <values handed over>`. */
export const RESCUED_LINE = /^rescued (\d+) (\d+)$/;

export function announceReady(dataPath: string): void {
  process.stdout.write(`ready ${process.pid} ${dataPath}\n`);
}

export function announceRescued(at: bigint, values: number): void {
  process.stdout.write(`rescued ${at} ${values}\n`);
}

/** Keeps a holder alive for the harness to kill; ends it anyway should the harness never do so. */
export function holdUntilKilled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 60_000));
}
