// The real recovery service (extension/dist/service.js, as the extension starts it) as a child
// process, spoken to over stdio JSON-RPC like any LSP client would. Every notification it sends is
// kept, so a test can wait for the snapshot or crash event it expects, with a timeout that says
// what never came. The process is always stopped, even when a test fails: see stop().
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection, type RequestType } from 'vscode-jsonrpc/node';
import {
  ConfigureNotification,
  ListRunsRequest,
  RunCrashedNotification,
  RunsChangedNotification,
  type RunCrashed,
  type RunsSnapshot,
  type ServiceSettings,
} from '@faultguard/protocol/recovery-service';
import { ROOT } from './processes';

export const SERVICE = join(ROOT, 'extension', 'dist', 'service.js');

/** Long enough for any request of the tests (a 100 MB value decompresses in about a second). */
const REQUEST_TIMEOUT_MS = 20_000;

export interface RecoveryService {
  readonly pid: number;
  /** Every `faultguard/runsChanged` so far, oldest first. */
  readonly snapshots: readonly RunsSnapshot[];
  /** Every `faultguard/runCrashed` so far, oldest first. */
  readonly crashes: readonly RunCrashed[];
  /** What the service logged (window/logMessage) and wrote to stderr. */
  log(): string;
  configure(settings: ServiceSettings): void;
  /** A request that fails, rather than hangs, if no answer comes within `timeoutMs`. */
  request<P, R>(type: RequestType<P, R, void>, params: P, timeoutMs?: number): Promise<R>;
  listRuns(): Promise<RunsSnapshot>;
  /** The first snapshot, from the latest one received on, that `matches`; fails after `timeoutMs` saying `what`. */
  waitForSnapshot(what: string, matches: (snapshot: RunsSnapshot) => boolean, timeoutMs?: number): Promise<RunsSnapshot>;
  /** The first crash event ever received that `matches` (earlier ones count too). */
  waitForCrash(what: string, matches: (event: RunCrashed) => boolean, timeoutMs?: number): Promise<RunCrashed>;
  /** Resident memory of the service process (VmRSS), KiB. */
  rssKiB(): number;
  /** shutdown + exit, then SIGKILL by PID if it is still there: safe to call twice, and after a crash. */
  stop(): Promise<void>;
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<string>;
}

/** Services still running, killed by PID should the test process end without stopping them. */
const running = new Set<number>();
process.once('exit', () => {
  for (const pid of running) killQuietly(pid);
});

/**
 * Starts the bundled service with `--stdio`, and initializes it as a client would. `prefix` runs
 * it through another command (setpriv, to run it as an unprivileged user).
 */
export async function startRecoveryService(prefix: readonly string[] = []): Promise<RecoveryService> {
  const [command, ...args] = [...prefix, process.execPath, SERVICE, '--stdio'];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid ?? 0;
  if (pid === 0) throw new Error(`cannot start ${SERVICE}`);
  running.add(pid);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(pid);
      resolve(signal ?? `code ${code}`);
    }),
  );
  let ended: string | undefined;
  void exited.then((how) => (ended = how));

  const connection: MessageConnection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const snapshots: RunsSnapshot[] = [];
  const crashes: RunCrashed[] = [];
  const logs: string[] = [];
  const wakers = new Set<() => void>();
  const wake = () => wakers.forEach((waker) => waker());
  connection.onNotification(RunsChangedNotification, (snapshot) => (snapshots.push(snapshot), wake()));
  connection.onNotification(RunCrashedNotification, (event) => (crashes.push(event), wake()));
  connection.onNotification('window/logMessage', ({ message }: { message: string }) => void logs.push(message));
  connection.onError(() => undefined); // a broken pipe once the service has gone: stop() handles it
  connection.listen();
  const log = () => [...logs, stderr].join('\n');

  /** Resolves when `found` returns something, re-checking at each notification, or fails after `timeoutMs`. */
  function waitFor<T>(what: string, found: () => T | undefined, describe: () => string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const result = found();
        if (result === undefined && ended === undefined) return;
        clearTimeout(timer);
        wakers.delete(check);
        if (result !== undefined) resolve(result);
        else reject(new Error(`the service ended (${ended}) while waiting for ${what}\n${log()}`));
      };
      const timer = setTimeout(() => {
        wakers.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; last: ${describe()}\nservice log:\n${log()}`));
      }, timeoutMs);
      wakers.add(check);
      void exited.then(check);
      check();
    });
  }

  /** Any request, by method name; `params` undefined sends none. Fails, rather than hangs, after `timeoutMs`. */
  function call<R>(method: string, params: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<R> {
    const answer = params === undefined ? connection.sendRequest<R>(method) : connection.sendRequest<R>(method, params);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${method} got no answer within ${timeoutMs} ms: the service hangs\n${log()}`)), timeoutMs);
    });
    return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  }

  let stopping: Promise<void> | undefined;
  async function stop(): Promise<void> {
    if (ended === undefined) {
      try {
        await call('shutdown', undefined, 2000);
        await connection.sendNotification('exit');
      } catch {
        // hung or gone: killed below
      }
      const timer = setTimeout(() => killQuietly(pid), 2000);
      await exited;
      clearTimeout(timer);
    }
    connection.dispose();
  }

  await call('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await connection.sendNotification('initialized', {});
  return {
    pid,
    snapshots,
    crashes,
    exited,
    log,
    configure: (settings) => void connection.sendNotification(ConfigureNotification, settings),
    request: (type, params, timeoutMs) => call(type.method, params, timeoutMs),
    listRuns: () => call(ListRunsRequest.method, undefined),
    waitForSnapshot: (what, matches, timeoutMs = 10_000) => {
      const from = Math.max(0, snapshots.length - 1);
      return waitFor(what, () => snapshots.slice(from).find(matches), () => describeSnapshot(snapshots.at(-1)), timeoutMs);
    },
    waitForCrash: (what, matches, timeoutMs = 10_000) => waitFor(what, () => crashes.find(matches), () => JSON.stringify(crashes.map((c) => [c.run.file, c.discovered])), timeoutMs),
    rssKiB: () => vmRssKiB(pid),
    stop: () => (stopping ??= stop()),
  };
}

/** Runs and problems in a line or two, for a timeout's message. */
export function describeSnapshot(snapshot: RunsSnapshot | undefined): string {
  if (!snapshot) return 'no snapshot at all';
  const runs = snapshot.runs.map((run) => `${run.file} ${run.state} (${run.reason})`);
  return JSON.stringify({ runs: runs.length > 20 ? [...runs.slice(0, 20), `… ${runs.length} in all`] : runs, problems: snapshot.problems });
}

/** VmRSS of a process, KiB. */
export function vmRssKiB(pid: number): number {
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (rss === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(rss);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
