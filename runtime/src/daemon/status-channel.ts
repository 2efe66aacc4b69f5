import { closeSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** The one line a daemon writes on its status descriptor. */
export type StartReport = { readonly ready: true; readonly pid: number; readonly warnings: readonly string[] } | { readonly ready: false; readonly message: string; readonly status: number };

/** The daemon's end: one JSON line, then the descriptor is closed. */
export function sendReport(fd: number, report: StartReport): void {
  try {
    writeSync(fd, `${JSON.stringify(report)}\n`);
    closeSync(fd);
  } catch {
    // the starting process is gone (killed while waiting): nobody is left to tell
  }
}

/** The starting process's end: the daemon's report, or undefined if it closed the channel without one. */
export function receiveReport(channel: Readable): Promise<StartReport | undefined> {
  return new Promise((resolve) => {
    let text = '';
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\n');
      if (end !== -1) resolve(parseReport(text.slice(0, end)));
    });
    channel.once('close', () => resolve(undefined));
    channel.once('error', () => resolve(undefined));
  });
}

function parseReport(line: string): StartReport | undefined {
  try {
    return JSON.parse(line) as StartReport;
  } catch {
    return undefined;
  }
}
