import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setPriority } from 'node:os';
import type { Writable } from 'node:stream';
import { resolveCommand } from '../guard/resolve-command';

/**
 * xz compression through XZ Utils' own `xz` (Debian's xz-utils, present on every Debian system):
 * real liblzma, in another process, so neither the guard's event loop (its heartbeat) nor the
 * program's CPU time is taken by it. Preset 0 with all cores: an autosave must be quick far more
 * than it must be small; it runs at a lower priority than the program it protects.
 */
const COMPRESS_ARGS = ['--compress', '--format=xz', '--check=crc64', '-0', '--threads=0', '--stdout', '--quiet'];
const DECOMPRESS_ARGS = ['--decompress', '--format=xz', '--stdout', '--quiet'];
const NICENESS = 10;

/** Throws, naming the problem, when there is no xz to run: checked before the program starts. */
export function checkXz(): void {
  try {
    resolveCommand('xz', process.cwd());
  } catch {
    throw new Error('autosave needs the xz program (XZ Utils; Debian package xz-utils), which was not found in PATH');
  }
}

/**
 * Compresses what `feed` writes into the file `fd`, from that descriptor's current offset: the
 * data never passes through this process's memory on the way out. Resolves once xz has finished.
 */
export async function xzCompressInto(fd: number, feed: (input: Writable) => Promise<void>, signal?: AbortSignal): Promise<void> {
  // A process group of its own: a Ctrl-C or hang-up meant for the program must not kill the final
  // save. Should the guard die, xz stops by itself at the end of its input.
  const xz = spawn('xz', COMPRESS_ARGS, { stdio: ['pipe', fd, 'pipe'], signal, detached: true });
  lowerPriority(xz.pid);
  const finished = xzResult(xz, signal);
  const input = xz.stdin!; // stdio[0] is a pipe
  input.on('error', () => undefined); // xz stopped reading: its exit status says why
  try {
    await Promise.all([feed(input).finally(() => input.end()), finished]);
  } catch (error) {
    // A broken pipe only says that xz went away; xz's own status and message say why.
    throw (await finished.then(() => undefined, (xzError: unknown) => xzError)) ?? error;
  }
}

/** Stops, and fails, as soon as the output would exceed `maxBytes`: a bomb never gets allocated. */
export async function xzDecompress(input: Uint8Array, maxBytes: number): Promise<Buffer> {
  const xz = spawn('xz', DECOMPRESS_ARGS, { stdio: ['pipe', 'pipe', 'pipe'] });
  const finished = xzResult(xz);
  const output: Buffer[] = [];
  let size = 0;
  xz.stdout.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) xz.kill('SIGKILL');
    else output.push(chunk);
  });
  xz.stdin.on('error', () => undefined);
  xz.stdin.end(input);
  try {
    await finished;
  } catch (error) {
    if (size > maxBytes) throw new Error(`decompresses to more than ${maxBytes} bytes`);
    throw error;
  }
  return Buffer.concat(output, size);
}

/** Writes `chunk` to xz's input, waiting while its pipe is full. */
export async function writeTo(input: Writable, chunk: Uint8Array): Promise<void> {
  if (!input.write(chunk)) await once(input, 'drain');
}

function xzResult(xz: ReturnType<typeof spawn>, signal?: AbortSignal): Promise<void> {
  let stderr = '';
  xz.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    xz.once('error', (error) => reject(error.name === 'AbortError' ? error : new Error(`cannot run xz: ${error.message}`)));
    xz.once('close', (code, killedBy) => {
      if (code === 0) resolve();
      else if (signal?.aborted) reject(new Error('aborted'));
      else reject(new Error(`xz failed (${killedBy ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
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
