import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
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

export function xzCompress(input: Uint8Array, signal?: AbortSignal): Promise<Buffer> {
  return runXz(COMPRESS_ARGS, input, Infinity, signal);
}

/** Stops, and fails, as soon as the output would exceed `maxBytes`: a bomb never gets allocated. */
export function xzDecompress(input: Uint8Array, maxBytes: number): Promise<Buffer> {
  return runXz(DECOMPRESS_ARGS, input, maxBytes);
}

function runXz(args: string[], input: Uint8Array, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const xz = spawn('xz', args, { stdio: ['pipe', 'pipe', 'pipe'], signal });
    try {
      if (xz.pid) setPriority(xz.pid, NICENESS);
    } catch {
      // Already nicer than that (a guard started with nice): keep the priority it inherited.
    }
    const output: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let tooBig = false;
    xz.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        tooBig = true;
        xz.kill('SIGKILL');
      } else output.push(chunk);
    });
    xz.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    xz.stdin.on('error', () => undefined); // xz stopped reading: its exit status says why
    xz.once('error', (error) => reject(error.name === 'AbortError' ? error : new Error(`cannot run xz: ${error.message}`)));
    xz.once('close', (code, killedBy) => {
      if (tooBig) reject(new Error(`decompresses to more than ${maxBytes} bytes`));
      else if (code === 0) resolve(Buffer.concat(output, size));
      else if (!signal?.aborted) reject(new Error(`xz failed (${killedBy ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
    });
    xz.stdin.end(input);
  });
}
