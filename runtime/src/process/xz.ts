import { spawn } from 'node:child_process';
import { read } from 'node:fs';
import { promisify } from 'node:util';
import { setPriority } from 'node:os';
import type { Writable } from 'node:stream';
import { StartError } from '../report/start-error';
import { resolveCommand } from './resolve-command';

/**
 * xz compression through XZ Utils' own `xz` (Debian's xz-utils, present on every Debian system):
 * real liblzma, in another process, so neither the guard's event loop (its heartbeat) nor the
 * program's CPU time is taken by it. Preset 0 on all cores, in blocks of 256 KiB so that even a
 * few megabytes keep every core busy: an autosave must be quick far more than it must be small
 * (smaller blocks cost about 1 % in size here). It runs at a lower priority than the program.
 */
const COMPRESS_ARGS = ['--compress', '--format=xz', '--check=crc64', '-0', '--threads=0', '--block-size=256KiB', '--stdout', '--quiet'];
// The memory limit refuses a stream whose dictionary would need more than any sane writer uses
// (xz -9 needs 65 MiB); the reference's preset 0 needs 1 MiB.
const DECOMPRESS_ARGS = ['--decompress', '--format=xz', '--memlimit-decompress=256MiB', '--stdout', '--quiet'];
const NICENESS = 10;
const readAt = promisify(read);

/** Throws a StartError when there is no xz to run: checked before the program starts. */
export function checkXz(): void {
  try {
    resolveCommand('xz', process.cwd());
  } catch (error) {
    throw new StartError('autosave needs the xz program (XZ Utils; Debian package xz-utils), which was not found in PATH', undefined, { cause: error });
  }
}

/**
 * Starts `xz` compressing what is written to `input` into the file `fd`, from that descriptor's
 * current offset: the data never passes through this process's memory on the way out.
 * `finished` settles once xz has exited, with xz's own reason if it failed.
 */
export function startXzCompression(fd: number, signal?: AbortSignal): { input: Writable; finished: Promise<void>; kill: () => void } {
  // A process group of its own: a Ctrl-C or hang-up meant for the program must not kill the final
  // save. Should the guard die, xz stops by itself at the end of its input.
  const xz = spawn('xz', COMPRESS_ARGS, { stdio: ['pipe', fd, 'pipe'], signal, detached: true });
  lowerPriority(xz.pid);
  const finished = xzResult(xz, signal);
  finished.catch(() => undefined); // awaited by the caller; never unhandled meanwhile
  const input = xz.stdin!; // stdio[0] is a pipe
  input.on('error', () => undefined); // xz stopped reading: its exit status says why
  return { input, finished, kill: () => xz.kill('SIGKILL') };
}

/**
 * Decompresses the xz streams in `fd` at [start, end): never more of the file, should it grow
 * meanwhile. Stops, and fails, as soon as the output would exceed `maxBytes`: a bomb never gets
 * allocated.
 */
export async function xzDecompressFile(fd: number, start: number, end: number, maxBytes: number, onProgress?: (bytes: number) => void): Promise<Buffer> {
  const xz = spawn('xz', DECOMPRESS_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
  const finished = xzResult(xz);
  const output: Buffer[] = [];
  let size = 0;
  xz.stdout.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) xz.kill('SIGKILL');
    else output.push(chunk);
    onProgress?.(size);
  });
  xz.stdin.on('error', () => undefined); // xz stopped reading: its status says why
  let readError: Error | undefined;
  const feeding = feedFile(fd, start, end, xz.stdin).catch((error: Error) => {
    readError = error;
    xz.kill('SIGKILL');
  });
  try {
    await finished;
  } catch (error) {
    if (size > maxBytes) throw new Error(`data decompresses to more than the ${maxBytes} bytes the header announces`);
    throw readError ?? error;
  } finally {
    await feeding;
  }
  return Buffer.concat(output, size);
}

const FEED_CHUNK = 1024 * 1024;

/**
 * Copies the file's bytes [start, end) into `input` (the caller keeps the descriptor). Rejects
 * only when the file cannot be read; when xz stops reading, its own status says why.
 */
async function feedFile(fd: number, start: number, end: number, input: Writable): Promise<void> {
  for (let position = start; position < end && !input.destroyed; ) {
    const chunk = Buffer.allocUnsafe(Math.min(FEED_CHUNK, end - position)); // fresh: the pipe may still hold the last
    const { bytesRead } = await readAt(fd, chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    await writeTo(input, chunk.subarray(0, bytesRead)).catch(() => input.destroy());
  }
  input.end();
}

/** Writes `chunk` to xz's input, waiting while its pipe is full; fails once xz has gone. */
export async function writeTo(input: Writable, chunk: Uint8Array): Promise<void> {
  if (input.destroyed) throw new Error('xz is no longer reading');
  if (!input.write(chunk)) await drainedOrClosed(input);
}

function drainedOrClosed(input: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      input.off('drain', done);
      input.off('close', done);
      resolve();
    };
    input.on('drain', done);
    input.on('close', done);
  });
}

/**
 * xz could not do its work at all (not installed, not runnable, killed from outside): says
 * nothing about the data, which must not be taken for damaged.
 */
export class XzUnavailableError extends Error {
  override readonly name = 'XzUnavailableError';
}

function xzResult(xz: ReturnType<typeof spawn>, signal?: AbortSignal): Promise<void> {
  let stderr = '';
  xz.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    xz.once('error', (error) => reject(error.name === 'AbortError' ? error : new XzUnavailableError(`cannot run xz (XZ Utils): ${error.message}`)));
    xz.once('close', (code, killedBy) => {
      if (code === 0) resolve();
      else if (signal?.aborted) reject(new Error('aborted'));
      else if (killedBy) reject(new XzUnavailableError(`xz was killed (${killedBy})`));
      else reject(new Error(`xz failed (exit ${code}): ${stderr.trim() || 'no message'}`));
    });
  });
}

function lowerPriority(pid: number | undefined): void {
  try {
    if (pid) setPriority(pid, NICENESS);
  } catch {
    // Already nicer than that (a guard started with nice): keep the priority it inherited.
  }
}
