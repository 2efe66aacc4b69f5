import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

export const FORWARDED_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/**
 * Signals the terminal itself sends to the whole foreground process group: keystrokes (Ctrl-C,
 * Ctrl-backslash), a window resize, a hang-up.
 */
const TERMINAL_SIGNALS = new Set<string>(['SIGINT', 'SIGQUIT', 'SIGWINCH', 'SIGHUP']);

/**
 * Relays signals sent to the guard to the current target (the program while it runs), so the
 * guard never dies of them itself; with no target they are caught and dropped. The terminal
 * sends its signals to guard and program at once (same process group); relaying them as well
 * would deliver them twice, so they are not relayed while our group owns the terminal.
 * Returns a function that stops relaying.
 */
export function forwardSignals(target: () => ChildProcess | undefined): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => {
      const child = target();
      if (!child || (TERMINAL_SIGNALS.has(signal) && ownsTerminal())) return;
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
