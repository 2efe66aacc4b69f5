// How runs and values read in the editor: labels, descriptions, tooltips and groups. Pure
// functions of the service's summaries (no `vscode` import), so they are tested without an editor.
import { basename } from 'node:path';
import { ago, commandLabel as labelOf, countOf, formatBytes, oneLine } from '@faultguard/protocol';
import type { KeyInfo, RunSummary } from '@faultguard/protocol/recovery-service';

export type GroupName = 'crashed' | 'running' | 'unreadable';

export const GROUP_LABELS: Readonly<Record<GroupName, string>> = {
  crashed: 'Crashed',
  running: 'Running',
  unreadable: 'Unreadable',
};

/** Crashed and orphaned runs (writer gone, data left) are one group: both are there to recover. */
function groupOf(run: RunSummary): GroupName {
  if (run.state === 'unreadable') return 'unreadable';
  return run.active ? 'running' : 'crashed';
}

/** The runs of each group, newest first. */
export function groupRuns(runs: readonly RunSummary[]): Map<GroupName, RunSummary[]> {
  const groups = new Map<GroupName, RunSummary[]>([['crashed', []], ['running', []], ['unreadable', []]]);
  for (const run of runs) groups.get(groupOf(run))!.push(run);
  for (const members of groups.values()) members.sort((a, b) => whenOf(b) - whenOf(a) || a.file.localeCompare(b.file));
  return groups;
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

/** `node app.js`: the program's command, its own path shortened to the file name and paths inside its working folder made relative. */
export function commandLabel(run: RunSummary): string {
  const program = run.header?.program;
  if (!program || program.command.length === 0) return basename(run.file);
  return labelOf(program.command, program.cwd);
}

/** "SIGSEGV · 2 min ago", "exit 3 · 5 s ago", "guard died · 1 h ago", "running since 10:02". */
export function runDescription(run: RunSummary, now: number): string {
  if (run.state === 'unreadable') return oneLine(run.reason, 80);
  if (!run.header) return run.active ? 'starting' : 'guard died before its first save';
  if (run.active && run.state === 'active') return `running · started ${ago(Date.parse(run.header.started), now)}`;
  const exit = run.header.exit;
  const why = exit ? (exit.signal ?? `exit ${exit.code}`) : 'guard died';
  const pending = run.active ? ' · saving' : '';
  return `${why}${pending} · ${ago(whenOf(run), now)}`;
}

/** The tooltip's lines (Markdown-free text): who, where, why, how big. */
export function runDetails(run: RunSummary): string[] {
  const lines = [`${run.state}: ${run.reason}`];
  const header = run.header;
  if (header) {
    lines.push(
      `command: ${oneLine(header.program.command.join(' '), 200)}`,
      `program pid ${header.program.pid}, guard pid ${header.writer.pid} on ${header.writer.host}${header.writer.user ? ` (${header.writer.user})` : ''}`,
      `cwd: ${header.program.cwd}`,
      `started ${header.started}${header.ended ? `, ended ${header.ended}` : ''}`,
      `${countOf(header.data.entries, 'value')}, ${formatBytes(header.data.size)} (${formatBytes(run.size)} on disk)`,
    );
  }
  if (run.newestProblem) lines.push(`newest generation unreadable (${run.newestProblem}); the previous one is shown`);
  lines.push(run.file);
  return lines;
}

/** The crash notification: `"node app.js" crashed (SIGSEGV); 3 values rescued`. */
export function crashMessage(run: RunSummary, discovered: 'startup' | 'live'): string {
  const values = `${countOf(run.header?.data.entries ?? 0, 'value')} rescued`;
  const exit = run.header?.exit;
  const earlier = discovered === 'startup' ? ' earlier' : '';
  // Quotes, not backticks: notifications show plain text.
  if (!exit) return `The guard of "${commandLabel(run)}" died${earlier} without recording an end; ${values}`;
  return `"${commandLabel(run)}" crashed${earlier} (${exit.signal ?? `exit code ${exit.code}`}); ${values}`;
}

export function keyDescription(key: KeyInfo): string {
  return `${key.keyType ? `${key.keyType} key · ` : ''}${key.encoding} · ${formatBytes(key.size)}`;
}

/** How a key reads in the tree and in a tab: a key that is not a string (from Python) by its label. */
export function keyText(key: KeyInfo): string {
  return key.label ?? key.key;
}

/** When the run ended (or was last heard of): what a user sorts and reads by. */
function whenOf(run: RunSummary): number {
  const ended = run.header?.ended ? Date.parse(run.header.ended) : NaN;
  return Number.isFinite(ended) ? ended : (run.modified ?? 0);
}
