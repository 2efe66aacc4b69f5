/**
 * What Faultguard needs from the operating system that Node does not offer portably: who a
 * process is (so that a recycled PID is never taken for a live run), and where journals live.
 * One backend per operating system, chosen by `currentPlatform()` (current-platform.ts); Linux's
 * is the only one so far (ARCHITECTURE.md, "Platforms", says what a macOS or Windows backend needs).
 */
export interface Platform {
  /** For messages: "Linux". */
  readonly name: string;
  /**
   * A process that is there to see (it may have ended and wait to be reaped), or undefined.
   * `startTime` tells two processes given the same PID apart (Linux: clock ticks since boot).
   */
  process(pid: number): { readonly startTime: string; readonly ended: boolean } | undefined;
  /**
   * Whether a process that exists may be missing from `process(pid)`, because this user may not
   * see it (Linux: /proc mounted with hidepid): a caller then asks the kernel (kill(pid, 0)).
   */
  mayHideProcesses(): boolean;
  /** What this boot is called: a process identity from another boot names a process long gone. "" when unknown. */
  bootId(): string;
  /** The PID namespace a process lives in: a PID from another (a container's) means nothing here. "" when unknown. */
  pidNamespace(pid: number | 'self'): string;
  /** The default folder for this user's journals: memory-backed where the system has one. */
  journalRoot(): string;
}
