import { spawnSync } from 'node:child_process';
import { closeSync, constants, createWriteStream, fstatSync, openSync, unlinkSync, type Stats } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { CONTEXT_LIMITS, cutEnd, type ContextOutput } from '@faultguard/protocol';
import { readInto } from '../files/byte-io';

// The last output of the program, for the crash context (protocol/SPEC.md §10.5). The guard keeps
// what it can see without changing what the program sees: an output that is a regular file (a
// redirect, a daemon's log) is read back at the end, from where it stood when the program
// started; an output that is a pipe is relayed, the program writing into a pipe of the guard's
// and the guard passing every byte on as it comes and keeping the last ones. A real pipe (a FIFO),
// not Node's socket pair: a Node program writes to a pipe synchronously but to a socket
// asynchronously, so behind a socket its last lines would die with it. A terminal is left alone:
// keeping it would take a pseudo-terminal, which changes the program's terminal.

export type StreamName = 'stdout' | 'stderr';

/**
 * How much of a program's output its guard keeps for the crash context.
 *
 * @example
 * ```ts
 * await start(launch, rescue, { keepOutput: { bytes: 256 * 1024, stdout: true } });
 * ```
 */
export interface OutputTailOptions {
  /** Bytes kept of each stream (0: none). */
  readonly bytes: number;
  /** Keep stdout too (stderr always, when bytes is more than 0). */
  readonly stdout: boolean;
}

export const DEFAULT_OUTPUT_TAIL: OutputTailOptions = { bytes: 64 * 1024, stdout: false };

const FD: Readonly<Record<StreamName, number>> = { stdout: 1, stderr: 2 };

/** How long, after the program ended, the guard waits for the last relayed bytes (a child of the program may still hold the pipe). */
const DRAIN_MS = 200;

/** How long, after that, the guard waits for what it relays to be written on (a reader that stopped reading). */
const FLUSH_MS = 2000;

interface Keeper {
  /** What the spawn's stdio entry for this descriptor must be: the guard's own, or the write end of the relay's pipe. */
  readonly stdio: 'inherit' | number;
  /** The program runs (or could not be started): start relaying, and let go of the pipe's write end. */
  attach(): void;
  /** Once the program has ended: what was kept (the last relayed bytes included). */
  tail(): Promise<ContextOutput | undefined>;
  /** Resolves once everything relayed has been passed on (or that is given up on). */
  flushed(): Promise<unknown>;
}

/**
 * Decides, before the spawn, how each kept stream is kept; `stdio(fd)` gives the spawn's entry,
 * `attach` starts relaying, `tails()` says what was kept once the program has ended, and
 * `flushed()` resolves once the relayed output is all passed on: the guard says nothing and does
 * not exit before that, or its words would come before the program's last ones.
 */
export class OutputTail {
  private readonly keepers = new Map<StreamName, Keeper>();

  /** `folder`: where the relay's pipe is made (the run's private folder); it is unlinked at once. */
  constructor(options: OutputTailOptions, folder: string) {
    if (options.bytes <= 0) return;
    if (sharesPipe(1, 2)) {
      // 2>&1: one relay for both, or their order would change.
      const keeper = pipeKeeper(2, options.bytes, folder);
      if (keeper) for (const name of ['stderr', 'stdout'] as const) this.keepers.set(name, keeper);
      return;
    }
    for (const name of options.stdout ? (['stderr', 'stdout'] as const) : (['stderr'] as const)) {
      const keeper = keeperFor(FD[name], options.bytes, folder);
      if (keeper) this.keepers.set(name, keeper);
    }
  }

  stdio(fd: 1 | 2): 'inherit' | number {
    return this.keepers.get(fd === 1 ? 'stdout' : 'stderr')?.stdio ?? 'inherit';
  }

  attach(): void {
    for (const keeper of new Set(this.keepers.values())) keeper.attach();
  }

  async flushed(): Promise<void> {
    await Promise.all([...this.keepers.values()].map((keeper) => keeper.flushed()));
  }

  async tails(): Promise<Partial<Record<StreamName, ContextOutput>>> {
    const kept: Partial<Record<StreamName, ContextOutput>> = {};
    const tails = new Map<Keeper, ContextOutput | undefined>();
    for (const [name, keeper] of this.keepers) {
      if (!tails.has(keeper)) tails.set(keeper, await keeper.tail());
      const tail = tails.get(keeper);
      // Two streams relayed as one (2>&1) are one output: it is stderr's.
      if (tail && tail.bytes > 0 && !(name === 'stdout' && this.keepers.get('stderr') === keeper)) kept[name] = tail;
    }
    return kept;
  }
}

function statOf(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined; // closed
  }
}

/** A pipe or socket both stdout and stderr write to (2>&1): relayed as one, or their order would change. */
function sharesPipe(a: number, b: number): boolean {
  const [x, y] = [statOf(a), statOf(b)];
  return x !== undefined && y !== undefined && (x.isFIFO() || x.isSocket()) && x.dev === y.dev && x.ino === y.ino;
}

function keeperFor(fd: number, bytes: number, folder: string): Keeper | undefined {
  const stat = statOf(fd);
  if (stat?.isFile()) return fileKeeper(fd, stat.size, bytes);
  if (stat?.isFIFO() || stat?.isSocket()) return pipeKeeper(fd, bytes, folder);
  return undefined;
}

/** A regular file: read back at the end, from the end of what it held when the program started. */
function fileKeeper(fd: number, startSize: number, bytes: number): Keeper {
  return {
    stdio: 'inherit',
    attach: () => undefined,
    flushed: async () => undefined,
    tail: async () => {
      let reader: number;
      try {
        // Our descriptor may be write-only: open the same file again, for reading.
        reader = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        const size = fstatSync(reader).size;
        const written = Math.max(0, size - startSize);
        const take = Math.min(written, bytes);
        const buffer = Buffer.alloc(take);
        const got = readInto(reader, buffer, 0, take, size - take);
        return asOutput(buffer.subarray(0, got), written);
      } finally {
        closeSync(reader);
      }
    },
  };
}

/**
 * A pipe: the program writes into a FIFO of ours; every byte is passed on to the original, the
 * last ones kept. Node cannot make a pipe, so mkfifo(1) makes one, in the private run folder, and
 * it is unlinked once both ends are open. Without mkfifo, nothing is kept.
 */
function pipeKeeper(fd: number, bytes: number, folder: string): Keeper | undefined {
  const fifo = join(folder, `output-${fd}.fifo`);
  if (spawnSync('mkfifo', ['-m', '600', fifo], { stdio: 'ignore' }).status !== 0) return undefined;
  let reader: number;
  let writer: number;
  try {
    reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    writer = openSync(fifo, constants.O_WRONLY);
  } catch {
    return undefined;
  } finally {
    unlinkSync(fifo);
  }
  const ring = new Ring(bytes);
  let ended: Promise<unknown> = Promise.resolve();
  let flushed: Promise<unknown> = Promise.resolve();
  return {
    stdio: writer,
    attach: () => {
      closeSync(writer); // the program holds it now: its end is the pipe's end
      const source = new Socket({ fd: reader, readable: true, writable: false });
      source.on('data', (chunk: Buffer) => ring.push(chunk));
      // The stream that passes the output on is made with the first byte: a program that writes
      // nothing (most that end well) does not wait for it (about 8 ms of its start and end, here).
      source.once('data', (first: Buffer) => {
        const destination = createWriteStream('', { fd, autoClose: false });
        // Where the original reader has gone away, the program must see that as it would have.
        destination.on('error', () => source.destroy());
        flushed = new Promise((resolve) => {
          destination.once('finish', () => resolve(undefined));
          destination.once('error', resolve);
        });
        // The first chunk is this event's, which pipe() (listening from now on) does not see.
        destination.write(first);
        source.pipe(destination);
      });
      ended = new Promise((resolve) => source.once('close', resolve));
    },
    tail: async () => {
      await within(ended, DRAIN_MS);
      return asOutput(ring.bytes(), ring.total);
    },
    // `flushed` is read once the pipe has ended: by then its first byte, if any, made the stream.
    flushed: () => within(ended.then(() => flushed), DRAIN_MS + FLUSH_MS),
  };
}

function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

/** The last `capacity` bytes of everything pushed. */
class Ring {
  private chunks: Buffer[] = [];
  private held = 0;
  total = 0;

  constructor(private readonly capacity: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held - this.chunks[0].length >= this.capacity) this.held -= this.chunks.shift()!.length;
  }

  bytes(): Buffer {
    const all = Buffer.concat(this.chunks, this.held);
    return all.subarray(Math.max(0, all.length - this.capacity));
  }
}

/** As text: a cut may start inside a UTF-8 character, whose leftover bytes are dropped. */
function asOutput(bytes: Buffer, total: number): ContextOutput {
  let start = 0;
  while (start < bytes.length && start < 3 && (bytes[start] & 0xc0) === 0x80) start++;
  const text = cutEnd(bytes.subarray(start).toString('utf8'), CONTEXT_LIMITS.output);
  return { text, bytes: total, truncated: total > bytes.length - start };
}
