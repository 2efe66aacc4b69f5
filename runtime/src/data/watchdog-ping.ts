import { closeSync, futimesSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { HANG_TRACE_NAME } from '@faultguard/protocol';

/**
 * The client's end of the watchdog (SPEC §11.3): ping() sets the ping file's modification time
 * (one system call); a small worker thread watches that time too and, when the main thread has
 * been silent for three quarters of the watchdog's timeout, stops it for a moment through the
 * inspector and writes the stack it was in to hang-trace.txt, for the crash context. A main
 * thread blocked outside JavaScript cannot be stopped: the file then says so.
 */
export class WatchdogPing {
  private readonly fd: number;

  constructor(path: string, seconds: number, runFolder: string) {
    this.fd = openSync(path, 'r+');
    const worker = new Worker(`(${watchMainThread.toString()})(require('node:worker_threads').workerData)`, {
      eval: true,
      workerData: { path, seconds, trace: `${runFolder}/${HANG_TRACE_NAME}` },
      stdout: true,
      stderr: true,
    });
    worker.unref(); // never what keeps the program running
  }

  ping(): void {
    const now = new Date();
    futimesSync(this.fd, now, now);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Runs in the worker, on its own: it is serialized as source, so it uses nothing but its
 * argument and Node's modules.
 */
function watchMainThread(config: { path: string; seconds: number; trace: string }): void {
  const { statSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const { Session } = require('node:inspector') as typeof import('node:inspector');
  let caughtFor = 0;
  const check = () => {
    let pinged: number;
    try {
      pinged = statSync(config.path).mtimeMs;
    } catch {
      return;
    }
    if (Date.now() - pinged < config.seconds * 750 || caughtFor === pinged) return;
    caughtFor = pinged; // once per silence
    const session = new Session();
    session.connectToMainThread();
    const write = (text: string) => {
      try {
        writeFileSync(config.trace, text, { mode: 0o600 });
      } catch {
        // the run folder is gone: the program is being cleaned up
      }
    };
    // The frames name their scripts by id: the ids' URLs come as the debugger is enabled.
    const scripts = new Map<string, string>();
    session.on('Debugger.scriptParsed', (message) => scripts.set(message.params.scriptId, message.params.url));
    // Said at once when the main thread does not stop soon (the guard may kill it any moment), and
    // replaced by the stack should it stop after all.
    const patience = Math.max(20, Math.min(1000, config.seconds * 200));
    const blocked = setTimeout(() => write(`The main thread did not stop within ${patience} ms: it is blocked outside JavaScript (a system call, native code).\n`), patience);
    session.on('Debugger.paused', (message) => {
      const frames = (message.params.callFrames as Array<{ functionName: string; location: { scriptId: string; lineNumber: number; columnNumber: number } }>).map(
        (frame) => `    at ${frame.functionName || '<anonymous>'} (${(scripts.get(frame.location.scriptId) ?? '<unknown>').replace(/^file:\/\//, '')}:${frame.location.lineNumber + 1}:${frame.location.columnNumber + 1})`,
      );
      clearTimeout(blocked);
      write(`The main thread, stopped ${((Date.now() - pinged) / 1000).toFixed(1)} s after its last ping:\n${frames.join('\n')}\n`);
      session.post('Debugger.resume', () => session.post('Debugger.disable', () => session.disconnect()));
    });
    session.post('Debugger.enable', () => session.post('Debugger.pause'));
  };
  setInterval(check, Math.max(50, Math.min(1000, config.seconds * 100)));
}
