import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/** Signals the terminal driver sends to the whole foreground process group on a keystroke. */
const KEYBOARD_SIGNALS = new Set<string>(['SIGINT', 'SIGQUIT']);

/**
 * Relays signals sent to the guard to the program, so the guard never dies of them itself.
 * A Ctrl-C reaches guard and program at once (same process group); relaying it as well would
 * deliver it twice, so keyboard signals are not relayed while our group owns the terminal.
 * Returns a function that stops relaying.
 */
export function forwardSignals(child: ChildProcess): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      if (KEYBOARD_SIGNALS.has(signal) && ownsTerminal()) return;
      try {
        child.kill(signal);
      } catch {
        // the program is already gone; its exit is being handled
      }
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}

/** True when our process group is the foreground group of our controlling terminal. */
function ownsTerminal(): boolean {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may itself contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const processGroup = Number(fields[2]);
    const terminalGroup = Number(fields[5]);
    return terminalGroup > 0 && terminalGroup === processGroup;
  } catch {
    return false;
  }
}
