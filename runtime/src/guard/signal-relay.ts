import type { ChildProcess } from 'node:child_process';
import { procStatFields } from '../process/proc-stat';

const FORWARDED_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/**
 * Signals the terminal itself sends to the whole foreground process group: keystrokes (Ctrl-C,
 * Ctrl-backslash), a window resize, a hang-up.
 */
const TERMINAL_SIGNALS = new Set<string>(['SIGINT', 'SIGQUIT', 'SIGWINCH', 'SIGHUP']);

/** Signals that ask the run to end: after one of them, a guard that restarts its program does not. */
const STOPPING_SIGNALS = new Set<string>(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT']);

/**
 * Catches, from construction on, the signals the guard relays, so the guard never dies of one
 * before it has handed the data over. Before a program is attached they are kept for it; while
 * it runs they are relayed to it; once it is detached (it ended: the rescue runs) they are
 * dropped. The terminal sends its own signals to guard and program at once (same process
 * group), so those are not relayed while our group owns the terminal: that would double them.
 */
export class SignalRelay {
  private program: ChildProcess | undefined;
  private state: 'waiting' | 'relaying' | 'dropping' = 'waiting';
  private readonly early: NodeJS.Signals[] = [];
  private readonly stopWaiters: Array<() => void> = [];
  /** A signal that asks the run to end has come (relayed or not). */
  stopRequested = false;
  private readonly removers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => this.receive(signal);
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });

  attach(program: ChildProcess): void {
    this.program = program;
    this.state = 'relaying';
    for (const signal of this.early.splice(0)) this.send(signal);
  }

  detach(): void {
    this.program = undefined;
    this.state = 'dropping';
  }

  stop(): void {
    for (const remove of this.removers) remove();
  }

  /** Resolves once a signal asks the run to end (at once if one has): ends a wait before a restart. */
  stopped(): Promise<void> {
    return new Promise((resolve) => (this.stopRequested ? resolve() : this.stopWaiters.push(resolve)));
  }

  private receive(signal: NodeJS.Signals): void {
    if (STOPPING_SIGNALS.has(signal)) {
      this.stopRequested = true;
      for (const wake of this.stopWaiters.splice(0)) wake();
    }
    if (TERMINAL_SIGNALS.has(signal) && ownsTerminal()) return;
    if (this.state === 'waiting') this.early.push(signal);
    else if (this.state === 'relaying') this.send(signal);
  }

  private send(signal: NodeJS.Signals): void {
    try {
      this.program?.kill(signal);
    } catch {
      // the program is already gone; its exit is being handled
    }
  }
}

/** True when our process group is the foreground group of our controlling terminal. */
function ownsTerminal(): boolean {
  const fields = procStatFields('self');
  const [processGroup, terminalGroup] = [Number(fields?.[2]), Number(fields?.[5])]; // fields 5 and 8
  return terminalGroup > 0 && terminalGroup === processGroup;
}
