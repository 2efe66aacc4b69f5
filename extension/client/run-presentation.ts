// How runs and values read in the editor: labels, descriptions, tooltips and groups. Pure
// functions of the service's summaries (no `vscode` import), so they are tested without an editor.
import { basename } from 'node:path';
import { ago, commandLabel as labelOf, CONTEXT_COLUMN, contextText, countOf, errorTitle, formatBytes, oneLine, printable, restartedText, RESTART_PENDING } from '@faultguard/protocol';
import type { CrashContext, ExitRecord, RunEnd } from '@faultguard/protocol';
import type { KeyInfo, RunSummary } from '@faultguard/protocol/recovery-service';

export type GroupName = 'running' | 'crashed' | 'unreadable';

export const GROUP_LABELS: Readonly<Record<GroupName, string>> = {
  running: 'Running',
  crashed: 'Crashed',
  unreadable: 'Unreadable',
};

/** Crashed and orphaned runs (writer gone, data left) are one group: both are there to recover. */
function groupOf(run: RunSummary): GroupName {
  if (run.state === 'unreadable') return 'unreadable';
  return run.active ? 'running' : 'crashed';
}

/**
 * The runs of each group, newest first. Running and Unreadable come before Crashed: they are few,
 * and a long list of crashed runs must not push them out of sight.
 */
export function groupRuns(runs: readonly RunSummary[]): Map<GroupName, RunSummary[]> {
  const groups = new Map<GroupName, RunSummary[]>([['running', []], ['unreadable', []], ['crashed', []]]);
  for (const run of runs) groups.get(groupOf(run))!.push(run);
  for (const members of groups.values()) members.sort(newestFirst);
  return groups;
}

export function newestFirst(a: RunSummary, b: RunSummary): number {
  return whenOf(b) - whenOf(a) || a.file.localeCompare(b.file);
}

/** Which save of a run the view shows: any new save changes it (the heartbeat does not). */
export function savedVersion(run: RunSummary | undefined): string {
  return `${run?.header?.saved}:${run?.size}`;
}

/** A crashed run with data to recover; not an empty claim, whose guard died before its first save. */
export function isRecoverable(run: RunSummary): boolean {
  return groupOf(run) === 'crashed' && run.header !== undefined;
}

/** The crashed runs with data: what the badge and the status bar count, and the palette offers. */
export function crashedCount(runs: readonly RunSummary[]): number {
  return runs.filter(isRecoverable).length;
}

/** Interpreters, whose first argument (past their options) is what the user recognises: the script. */
const INTERPRETERS = /^(node|nodejs|deno|bun|python[0-9.]*|pypy[0-9.]*|ruby|perl|php|bash|sh|zsh|lua|java)$/;
/**
 * Options that take a value as the next argument (`--require x`, `-r x`), so that value is not taken
 * for the script: the interpreters', and those of debugpy, which a debugged Python program runs under
 * (`python -X frozen_modules=off …/debugpy --connect 127.0.0.1:5678 app.py`: the script is app.py).
 */
const OPTIONS_WITH_VALUES = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-W', '-X', '--inspect-port', '--env-file', '--title', '-cp', '-classpath',
  '--connect', '--listen', '--log-to', '--adapter-access-token', '--parent-session-pid', '--configure-qt', '--configure-subProcess',
]);
/** What runs a Python program rather than being it: the script is further on. */
const RUNNERS = new Set(['debugpy', 'pydevd', 'pdb']);

/**
 * What a user recognises a run by, shortest first: the script (`worker.py` of `python3 -X dev
 * worker.py`, `app` of `python3 -m app`), else the program (`my-tool` of `/usr/bin/my-tool --x`).
 */
export function runName(run: RunSummary): string {
  const command = run.header?.program.command ?? [];
  if (command.length === 0) return basename(run.file);
  const [program, ...args] = command;
  if (INTERPRETERS.test(basename(program))) {
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === '-m' && args[i + 1] && RUNNERS.has(args[i + 1])) {
        i++;
        continue;
      }
      if (arg === '-m' && args[i + 1]) return oneLine(args[i + 1], 60);
      if (RUNNERS.has(basename(arg))) continue;
      if (arg === '-e' || arg === '-c' || arg === '--eval') return oneLine(`${basename(program)} ${arg}`, 60);
      if (arg.startsWith('-')) {
        if (OPTIONS_WITH_VALUES.has(arg)) i++;
        continue;
      }
      return oneLine(basename(arg), 60);
    }
  }
  return oneLine(basename(program), 60);
}

/** `node app.js`: the program's command, its own path shortened to the file name and paths inside its working folder made relative. */
export function commandLabel(run: RunSummary): string {
  const program = run.header?.program;
  if (!program || program.command.length === 0) return basename(run.file);
  return labelOf(program.command, program.cwd);
}

/** How a run ended, as the view shows it with its own icon. */
export type EndKind = 'running' | 'restarting' | 'oom' | 'hung' | 'exception' | 'signal' | 'exit' | 'orphaned' | 'empty' | 'unreadable';

/** A supervised run between two starts (SPEC §11.4): its guard lives and starts it again; not a dead run. */
export function isRestarting(run: RunSummary): boolean {
  return run.active && run.header?.restartPending === true;
}

/**
 * Out of memory (the kernel's OOM killer, or V8's heap limit, as the guard's crash context says),
 * hung (its watchdog killed it), an uncaught exception (the client recorded it), else a signal or
 * an error exit; a guard that died; a supervised run about to be started again.
 */
export function endKind(run: RunSummary): EndKind {
  if (run.state === 'unreadable') return 'unreadable';
  if (!run.header) return run.active ? 'running' : 'empty';
  if (run.active && run.state === 'active') return 'running';
  if (isRestarting(run)) return 'restarting';
  const exit = run.header.exit;
  return exit ? deathOf(exit, run.header.context) : 'orphaned';
}

function deathOf(exit: ExitRecord, context: CrashContext | undefined): EndKind {
  if (context?.oom || /out of memory/i.test(context?.report?.event ?? '')) return 'oom';
  if (context?.hang) return 'hung';
  if (context?.error) return 'exception';
  return exit.signal ? 'signal' : 'exit';
}

/** Why it ended, shortest: "SIGSEGV", "exit 3", "guard died", "running". */
export function endReason(run: RunSummary): string {
  if (run.state === 'unreadable') return oneLine(run.reason, 80);
  if (!run.header) return run.active ? 'starting' : 'guard died before its first save';
  if (run.active && run.state === 'active') return 'running';
  const exit = run.header.exit;
  if (!exit) return 'guard died';
  const kind = deathOf(exit, run.header.context);
  // What the user recognises first: out of memory, or the exception's type, then the signal or status.
  const cause = kind === 'oom' ? 'out of memory' : kind === 'hung' ? 'hung' : kind === 'exception' ? oneLine(run.header.context?.error?.type ?? 'exception', 40) : undefined;
  const how = exit.signal ?? `exit ${exit.code}`;
  return cause ? `${cause} (${how})` : how;
}

/**
 * The reason first, then a supervised run's restarts, then the age: "SIGSEGV · 2 min ago", "exit 3
 * · restarted 2 times · 5 s ago", "running · started 1 h ago", "restarting after SIGSEGV · just now".
 */
export function runDescription(run: RunSummary, now: number): string {
  const reason = endReason(run);
  if (run.state === 'unreadable' || !run.header) return reason;
  const restarted = run.header.restarts ? ` · ${restartedText(run.header.restarts)}` : '';
  if (run.active && run.state === 'active') return `${reason}${restarted} · started ${ago(Date.parse(run.header.started), now)}`;
  if (isRestarting(run)) return `restarting after ${reason}${restarted} · ${ago(whenOf(run), now)}`;
  return `${reason}${run.active ? ' · saving' : ''}${restarted} · ${ago(whenOf(run), now)}`;
}

/** A supervised run's ends (restarted, or about to be); every guard records its ends, but a single end is no history. */
export function endsOf(run: RunSummary): readonly RunEnd[] {
  const header = run.header;
  return header?.restarts || header?.restartPending ? (header.ends ?? []) : [];
}

/** How many of a supervised run's ends its tooltip lists, newest first (the tree lists all it keeps). */
const TOOLTIP_ENDS = 5;

/** A time from a header for people: the local date and time, not UTC ISO. */
export function localTime(iso: string, locale?: string): string {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' }) : iso;
}

/** The tooltip's lines (Markdown-free text): who, where, why, when (local time), how big. */
export function runDetails(run: RunSummary, locale?: string): string[] {
  const lines = [`${isRestarting(run) ? 'restarting' : run.state}: ${run.reason}`];
  const header = run.header;
  const ends = endsOf(run);
  if (ends.length > 0) {
    lines.push(`${header?.restarts ? restartedText(header.restarts) : RESTART_PENDING}; the last ends:`);
    for (const end of ends.slice(-TOOLTIP_ENDS).reverse()) lines.push(`  ${localTime(end.ended, locale)}: ${oneLine(end.exit.reason, 120)}`);
  }
  if (header) {
    lines.push(
      `command: ${oneLine(header.program.command.join(' '), 400)}`,
      `program pid ${header.program.pid}, guard pid ${header.writer.pid} on ${header.writer.host}${header.writer.user ? ` (${header.writer.user})` : ''}`,
      `cwd: ${header.program.cwd}`,
      `started ${localTime(header.started, locale)}${header.ended ? `, ended ${localTime(header.ended, locale)}` : ''}`,
      `${countOf(header.data.entries, 'value')}, ${formatBytes(header.data.size)} (${formatBytes(run.size)} on disk)`,
    );
  }
  if (run.newestProblem) lines.push(`newest generation unreadable (${run.newestProblem}); the previous one is shown`);
  lines.push(run.file);
  return lines;
}

/**
 * The crash notification: the program's error when its client recorded one (`"node app.js"
 * crashed: TypeError: x is not a function; 2 values rescued`), else how it ended (`(SIGSEGV)`).
 */
export function crashMessage(run: RunSummary, discovered: 'startup' | 'live'): string {
  const values = `${countOf(run.header?.data.entries ?? 0, 'value')} rescued`;
  const exit = run.header?.exit;
  const earlier = discovered === 'startup' ? ' earlier' : '';
  // Quotes, not backticks: notifications show plain text.
  if (!exit) return `The guard of "${commandLabel(run)}" died${earlier} without recording an end; ${values}`;
  const error = run.header?.context?.error;
  const why = error ? `: ${oneLine(errorTitle(error), 200)}` : ` (${exit.signal ?? `exit code ${exit.code}`})`;
  return `"${commandLabel(run)}" crashed${earlier}${why}; ${values}`;
}

export function keyDescription(key: KeyInfo): string {
  return `${key.keyType ? `${key.keyType} key · ` : ''}${key.encoding} · ${formatBytes(key.size)}`;
}

/** How a key reads in the tree and in a tab: a key that is not a string (from Python) by its label. */
export function keyText(key: KeyInfo): string {
  return key.label ?? key.key;
}

/** Runs of the same program (command and working folder): the earlier autosaves a run's history shows. */
export function sameProgram(a: RunSummary, b: RunSummary): boolean {
  const [x, y] = [a.header?.program, b.header?.program];
  return x !== undefined && y !== undefined && x.cwd === y.cwd && JSON.stringify(x.command) === JSON.stringify(y.command);
}

/** When the run ended (or was last heard of): what a user sorts and reads by. */
export function whenOf(run: RunSummary): number {
  const ended = run.header?.ended ? Date.parse(run.header.ended) : NaN;
  return Number.isFinite(ended) ? ended : (run.modified ?? 0);
}

/** A folder name for a recovery that says what it is: `app.js 2026-11-22 10.41.07`. */
export function recoveryFolderName(run: RunSummary): string {
  const when = new Date(whenOf(run) || Date.now());
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${when.getFullYear()}-${two(when.getMonth() + 1)}-${two(when.getDate())} ${two(when.getHours())}.${two(when.getMinutes())}.${two(when.getSeconds())}`;
  return `${runName(run).replace(/[/\\:*?"<>|\u0000-\u001f]+/g, '_')} ${stamp}`;
}

/** What a value's tab says of its run: the name and when it ended (`app.js 10:41:07`), or which generation. */
export function runTitle(run: RunSummary, generation?: 'previous'): { file: string; title: string } {
  const when = whenOf(run);
  const time = when ? new Date(when).toLocaleTimeString(undefined, { hour12: false }) : '';
  return { file: run.file, title: [runName(run), time, generation === 'previous' ? '(previous save)' : ''].filter(Boolean).join(' ') };
}

/**
 * The read-only crash report of a run: how it ended, a supervised run's ends, then "Why it died"
 * whole, in `faultguard inspect`'s words and columns (its stack frames are where the editor links).
 */
export function crashReportText(run: RunSummary, locale?: string): string {
  const header = run.header;
  if (!header) return `${run.file}: ${run.reason}\n`;
  const rows: Array<[string, string]> = [
    ['Command', header.program.command.join(' ')],
    ['Cwd', header.program.cwd],
    ['Ended', header.exit ? `${header.exit.reason}${header.ended ? `, ${localTime(header.ended, locale)}` : ''}` : run.reason],
  ];
  const ends = endsOf(run);
  if (header.restarts) rows.push(['Restarts', restartedText(header.restarts)]);
  if (ends.length > 0) rows.push(['Ends', ends.map((end) => `${localTime(end.ended, locale)}: ${end.exit.reason}`).reverse().join('\n')]);
  const lines = rows.map(([name, text]) => text.split('\n').map((line, i) => `${(i === 0 ? name : '').padEnd(CONTEXT_COLUMN - 1)} ${printable(line)}`).join('\n'));
  const why = header.context ? contextText(header.context) : '';
  return `${lines.join('\n')}\n${why ? `\n${why}` : ''}`;
}
