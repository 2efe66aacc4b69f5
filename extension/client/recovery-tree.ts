import { basename } from 'node:path';
import * as vscode from 'vscode';
import { ago, contextSections, countOf, MAX_ENDS, oneLine, previousGenerationPath, RESTART_PENDING, restartedText, shownLines, type ContextSection, type RunEnd } from '@faultguard/protocol';
import { ReadRunRequest, WHOLE_VALUE_BYTES, type KeyInfo, type RunContents, type RunSummary } from '@faultguard/protocol/recovery-service';
import type { Recoveries } from './recoveries';
import type { ServiceClient } from './service-client';
import {
  GROUP_LABELS,
  crashedCount,
  endKind,
  endsOf,
  groupRuns,
  keyDescription,
  keyText,
  localTime,
  newestFirst,
  runDescription,
  runDetails,
  runName,
  runTitle,
  sameProgram,
  savedVersion,
  whenOf,
  type EndKind,
  type GroupName,
} from './run-presentation';
import { frameTarget } from './crash-reports';
import { foldersOf } from './settings';
import { frameLocation, otherFrame, type FrameLocation } from './stack-frames';
import type { RunTitle } from './value-uri';
import { workspaceFileOf } from './workspace-files';

/** A value in the tree: of a run's newest save, of its previous generation, or of an earlier run of the same program. */
export interface ValueNode {
  readonly kind: 'value';
  readonly run: RunSummary;
  /** The file the value is read from, and what its tab says of it. */
  readonly title: RunTitle;
  readonly key: KeyInfo;
  readonly generation: 'newest' | 'previous' | 'earlier';
}

/** One save in a run's history: its previous generation, or an earlier run of the same program. */
export interface GenerationNode {
  readonly kind: 'generation';
  readonly run: RunSummary;
  readonly title: RunTitle;
  readonly label: string;
  readonly description: string;
  readonly generation: 'previous' | 'earlier';
}

export type Node =
  | { readonly kind: 'folder'; readonly name: string; readonly runs: readonly RunSummary[] }
  | { readonly kind: 'group'; readonly group: GroupName; readonly runs: readonly RunSummary[]; readonly folder?: string }
  | { readonly kind: 'run'; readonly run: RunSummary }
  | ValueNode
  | { readonly kind: 'history'; readonly run: RunSummary; readonly entries: readonly GenerationNode[] }
  | GenerationNode
  | { readonly kind: 'context'; readonly run: RunSummary }
  | { readonly kind: 'section'; readonly run: RunSummary; readonly section: ContextSection; readonly index: number }
  | { readonly kind: 'line'; readonly run: RunSummary; readonly id: string; readonly text: string; readonly frame?: FrameLocation; readonly target?: vscode.Uri; readonly more?: true }
  | { readonly kind: 'ends'; readonly run: RunSummary; readonly ends: readonly RunEnd[] }
  | { readonly kind: 'end'; readonly run: RunSummary; readonly end: RunEnd; readonly index: number }
  | { readonly kind: 'message'; readonly text: string; readonly error: boolean };

/** Lines of a section the tree lists; the crash report has them all. */
const TREE_LINES = 20;
/** Sections whose lines are frames: open at once, as a debugger's call stack is. */
const FRAME_SECTIONS = new Set(['Stack', 'JS stack', 'Stuck in']);

const error = new vscode.ThemeColor('errorForeground');
const warning = new vscode.ThemeColor('problemsWarningIcon.foreground');
/** Each kind of end its own icon: out of memory, hung, an uncaught exception, a signal, an error status, its guard gone. */
const END_ICONS: Readonly<Record<EndKind, vscode.ThemeIcon>> = {
  oom: new vscode.ThemeIcon('dashboard', error),
  hung: new vscode.ThemeIcon('watch', error),
  exception: new vscode.ThemeIcon('bug', error),
  signal: new vscode.ThemeIcon('zap', error),
  exit: new vscode.ThemeIcon('error', error),
  orphaned: new vscode.ThemeIcon('debug-disconnect', warning),
  empty: new vscode.ThemeIcon('circle-slash'),
  running: new vscode.ThemeIcon('pulse'),
  restarting: new vscode.ThemeIcon('debug-restart'),
  unreadable: new vscode.ThemeIcon('warning', warning),
};

const ENCODING_ICONS: Readonly<Record<string, string>> = { json: 'json', bytes: 'file-binary', 'python-pickle': 'lock' };

/**
 * The Recovery view: Running / Unreadable / Crashed (under each workspace folder when there are
 * several), each run with its values and its history. Runs come from the service's snapshots; a
 * run's values are asked for when it is expanded (the service decompresses, never this host).
 */
export class RecoveryTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly nodes = new Map<string, Node & { kind: 'run' }>();
  /** Each file's values, asked for once per saved version: redrawing the tree asks the service nothing. */
  private readonly contents = new Map<string, { saved: string; contents: Promise<RunContents> }>();
  private readonly ticker: NodeJS.Timeout;

  constructor(
    private readonly service: ServiceClient,
    private readonly recoveries: Recoveries,
  ) {
    // "2 min ago" must not go stale while the view is open.
    this.ticker = setInterval(() => this.changeEmitter.fire(undefined), 30_000);
  }

  refresh(): void {
    this.changeEmitter.fire(undefined);
  }

  /** Forgets every run's values (the limits they were read with changed), and redraws. */
  reload(): void {
    this.contents.clear();
    this.refresh();
  }

  /** Forgets one file's values (the service found it damaged and reads it otherwise now). */
  reloadFile(file: string): void {
    this.contents.delete(file);
    this.refresh();
  }

  get crashed(): number {
    return crashedCount(this.service.snapshot.runs);
  }

  /** The node of a run, for reveal(): the one the tree was given, or one for a run not shown yet. */
  runNode(file: string): Node | undefined {
    const run = this.service.snapshot.runs.find((candidate) => candidate.file === file);
    return this.nodes.get(file) ?? (run && this.runNodeFor(run));
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'value' || node.kind === 'history' || node.kind === 'context' || node.kind === 'ends') return this.nodes.get(node.run.file);
    if (node.kind !== 'run') return undefined;
    for (const parent of this.roots()) {
      const children = parent.kind === 'folder' ? folderChildren(parent.runs, parent.name) : [parent];
      if (children.some((child) => child.kind === 'run' && child.run.file === node.run.file)) return parent;
      for (const group of children) if (group.kind === 'group' && group.runs.some((run) => run.file === node.run.file)) return group;
    }
    return undefined;
  }

  getChildren(node?: Node): vscode.ProviderResult<Node[]> {
    if (!node) return this.roots();
    if (node.kind === 'folder') return folderChildren(node.runs, node.name).map((child) => (child.kind === 'run' ? this.runNodeFor(child.run) : child));
    if (node.kind === 'group') return node.runs.map((run) => this.runNodeFor(run));
    if (node.kind === 'run') return this.runChildren(node.run);
    if (node.kind === 'history') return [...node.entries];
    if (node.kind === 'generation') return this.values(node.run, node.title, node.generation);
    if (node.kind === 'context') return contextSections(node.run.header?.context ?? { format: 1 }).map((section, index) => ({ kind: 'section', run: node.run, section, index }));
    if (node.kind === 'section') return sectionLines(node);
    if (node.kind === 'ends') return [...node.ends].reverse().map((end, index) => ({ kind: 'end', run: node.run, end, index }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'folder': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `folder:${node.name}`;
        item.iconPath = vscode.ThemeIcon.Folder;
        const groups = groupNodes(node.runs);
        // A folder whose runs are all of one group says which, and holds them itself: one level less in a narrow side bar.
        item.description = groups.length === 1 && groups[0].kind === 'group' ? `${node.runs.length} ${GROUP_LABELS[groups[0].group].toLowerCase()}` : String(node.runs.length);
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(GROUP_LABELS[node.group], vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.folder ?? ''}:${node.group}`;
        item.description = String(node.runs.length);
        item.contextValue = `group.${node.group}`;
        return item;
      }
      case 'run':
        return this.runItem(node.run);
      case 'value':
        return valueItem(node);
      case 'history': {
        const item = new vscode.TreeItem(vscode.l10n.t('History'), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `history:${node.run.file}`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.description = String(node.entries.length);
        item.tooltip = vscode.l10n.t('The previous save of this run, and earlier runs of the same program: each value can be compared with this run\'s');
        return item;
      }
      case 'generation': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `generation:${node.run.file}\u0000${node.title.file}`;
        item.iconPath = new vscode.ThemeIcon(node.generation === 'previous' ? 'git-commit' : 'circle-outline');
        item.description = node.description;
        item.tooltip = node.title.file;
        item.contextValue = `generation.${node.generation}`;
        return item;
      }
      case 'context': {
        const item = new vscode.TreeItem(vscode.l10n.t('Why it died'), vscode.TreeItemCollapsibleState.Expanded);
        item.id = `context:${node.run.file}`;
        item.iconPath = new vscode.ThemeIcon('question');
        item.description = oneLine(node.run.header?.exit?.reason ?? node.run.reason, 120);
        item.tooltip = vscode.l10n.t('Why the program died, as its guard learnt it: Show Why It Died opens the whole report');
        item.contextValue = 'context';
        return item;
      }
      case 'section':
        return sectionItem(node);
      case 'line': {
        const { frame, target } = node;
        const other = frame ? undefined : otherFrame(node.text);
        const item = new vscode.TreeItem(frame ? (frame.name ?? vscode.l10n.t('(anonymous)')) : (other?.name ?? oneLine(node.text.trim(), 200)) || ' ');
        item.id = node.id;
        if (other) {
          // Node's own frames (node:internal/…): a frame, but no file to open.
          item.description = oneLine(other.place, 200);
          item.iconPath = new vscode.ThemeIcon('debug-stackframe-dot');
        }
        if (frame) {
          item.description = `${basename(frame.file)}:${frame.line}`;
          item.iconPath = new vscode.ThemeIcon(target ? 'debug-stackframe' : 'debug-stackframe-dot');
          item.tooltip = target ? vscode.l10n.t('{0}: open {1} at line {2}', node.text.trim(), vscode.workspace.asRelativePath(target), frame.line) : vscode.l10n.t('{0} (not a file of this workspace)', node.text.trim());
          if (target) {
            const at = new vscode.Position(frame.line - 1, Math.max(0, (frame.column ?? 1) - 1));
            item.command = { command: 'vscode.open', title: vscode.l10n.t('Open Frame'), arguments: [target, { selection: new vscode.Range(at, at), preview: true }] };
          }
        } else {
          item.tooltip = node.text;
        }
        if (node.more) item.command = { command: 'faultguard.showCrashReport', title: vscode.l10n.t('Show Why It Died'), arguments: [{ run: node.run }] };
        return item;
      }
      case 'ends': {
        // Before its first restart, a supervised run has one end and no restarts yet: ls's words for that.
        const restarts = node.run.header?.restarts;
        const item = new vscode.TreeItem(restarts ? restartedText(restarts) : RESTART_PENDING, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `ends:${node.run.file}`;
        item.iconPath = new vscode.ThemeIcon('debug-restart');
        item.description = countOf(node.ends.length, 'end');
        item.tooltip = vscode.l10n.t('How each start of the program ended, newest first (the guard keeps the last {0})', MAX_ENDS);
        return item;
      }
      case 'end': {
        const item = new vscode.TreeItem(oneLine(node.end.exit.reason, 120));
        item.id = `end:${node.run.file}:${node.index}`;
        item.iconPath = new vscode.ThemeIcon('circle-small-filled');
        item.description = ago(Date.parse(node.end.ended), Date.now());
        item.tooltip = vscode.l10n.t('{0}: started {1}, ended {2}', node.end.exit.reason, localTime(node.end.started, vscode.env.language), localTime(node.end.ended, vscode.env.language));
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon(node.error ? 'warning' : 'info');
        item.tooltip = node.text;
        return item;
      }
    }
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.changeEmitter.dispose();
  }

  /** Workspace folders when there are several (each with its groups), else the groups themselves. */
  private roots(): Node[] {
    const runs = this.service.snapshot.runs;
    this.nodes.clear();
    const listed = new Set(runs.flatMap((run) => [run.file, previousGenerationPath(run.file)]));
    for (const file of this.contents.keys()) if (!listed.has(file)) this.contents.delete(file);
    const folders = vscode.workspace.workspaceFolders ?? [];
    if (folders.length < 2) return groupNodes(runs);
    const byFolder = new Map<string, RunSummary[]>();
    for (const run of runs) {
      const name = workspaceFolderOf(run, folders)?.name ?? vscode.l10n.t('Other folders');
      byFolder.set(name, [...(byFolder.get(name) ?? []), run]);
    }
    // In the order of the workspace; empty folders are left out (an empty view shows its welcome text).
    const order = [...folders.map((folder) => folder.name), vscode.l10n.t('Other folders')];
    return order.filter((name) => byFolder.has(name)).map((name) => ({ kind: 'folder', name, runs: byFolder.get(name)! }));
  }

  private runNodeFor(run: RunSummary): Node {
    const node = { kind: 'run' as const, run };
    this.nodes.set(run.file, node);
    return node;
  }

  private runItem(run: RunSummary): vscode.TreeItem {
    const item = new vscode.TreeItem(runName(run), run.header ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = `run:${run.file}`;
    const recovered = this.recoveries.of(run);
    item.description = `${runDescription(run, Date.now())}${recovered ? ` · ${vscode.l10n.t('recovered')}` : ''}`;
    const tooltip = new vscode.MarkdownString().appendText(runDetails(run, vscode.env.language).join('\n'));
    if (recovered) tooltip.appendText(`\n${vscode.l10n.t('recovered into {0}', recovered.folder)}`);
    item.tooltip = tooltip;
    item.iconPath = END_ICONS[endKind(run)];
    // `run.crashed`, `run.orphaned`, `run.active`, `run.unreadable`, `run.empty` (a claim whose guard
    // died before its first save: nothing to recover); a crash still being saved is active.
    item.contextValue = `run.${run.active ? 'active' : run.state !== 'unreadable' && !run.header ? 'empty' : run.state}`;
    return item;
  }

  private contentsOf(file: string, saved: string): Promise<RunContents> {
    const cached = this.contents.get(file);
    if (cached?.saved === saved) return cached.contents;
    const contents = this.service.client.sendRequest(ReadRunRequest, { file });
    contents.catch(() => this.contents.get(file)?.contents === contents && this.contents.delete(file)); // an error is asked again
    this.contents.set(file, { saved, contents });
    return contents;
  }

  /** Why it died and its ends first (a developer's first question), then the values, then the history. */
  private async runChildren(run: RunSummary): Promise<Node[]> {
    const values = await this.values(run, runTitle(run), 'newest');
    const history = this.history(run);
    const ends = endsOf(run);
    return [
      ...(run.header?.context ? [{ kind: 'context' as const, run }] : []),
      ...(ends.length > 0 ? [{ kind: 'ends' as const, run, ends }] : []),
      ...values,
      ...(history.length > 0 && run.header ? [{ kind: 'history' as const, run, entries: history }] : []),
    ];
  }

  /** The run's previous generation (if its file is there), then earlier runs of the same program, newest first. */
  private history(run: RunSummary): GenerationNode[] {
    const entries: GenerationNode[] = [];
    if (run.header && run.size > 0 && run.hasPrevious) {
      entries.push({ kind: 'generation', run, title: { ...runTitle(run, 'previous'), file: previousGenerationPath(run.file) }, label: vscode.l10n.t('Previous save'), description: vscode.l10n.t('the save before the newest'), generation: 'previous' });
    }
    const earlier = this.service.snapshot.runs.filter((other) => other.file !== run.file && other.header && !other.active && sameProgram(run, other) && whenOf(other) < whenOf(run));
    for (const other of earlier.sort(newestFirst)) {
      entries.push({ kind: 'generation', run, title: runTitle(other), label: runTitle(other).title, description: runDescription(other, Date.now()), generation: 'earlier' });
    }
    return entries;
  }

  private async values(run: RunSummary, title: RunTitle, generation: ValueNode['generation']): Promise<Node[]> {
    if (!run.header) return [];
    try {
      const contents = await this.contentsOf(title.file, generation === 'previous' ? `prev:${savedVersion(run)}` : savedVersion(this.service.snapshot.runs.find((r) => r.file === title.file) ?? run));
      const notes: Node[] = contents.fallback ? [{ kind: 'message', text: vscode.l10n.t('Previous generation shown: {0}', contents.fallback), error: true }] : [];
      if (contents.keys.length === 0) notes.push({ kind: 'message', text: vscode.l10n.t('No values were stored'), error: false });
      return [...notes, ...contents.keys.map((key) => ({ kind: 'value' as const, run, title, key, generation }))];
    } catch (error) {
      return [{ kind: 'message', text: (error as Error).message, error: true }];
    }
  }
}

/** A workspace folder's groups, or its runs themselves when they all belong to one group. */
function folderChildren(runs: readonly RunSummary[], folder: string): Node[] {
  const groups = groupNodes(runs, folder);
  return groups.length === 1 && groups[0].kind === 'group' ? groups[0].runs.map((run) => ({ kind: 'run' as const, run })) : groups;
}

function groupNodes(runs: readonly RunSummary[], folder?: string): Node[] {
  // Empty groups are left out, so that an empty view shows its welcome text.
  return [...groupRuns(runs)].filter(([, members]) => members.length > 0).map(([group, members]) => ({ kind: 'group', group, runs: members, ...(folder !== undefined && { folder }) }));
}

/** The workspace folder a run belongs to: the one whose autosave folders hold it (of several, the one it ran in). */
export function workspaceFolderOf(run: RunSummary, folders: readonly vscode.WorkspaceFolder[]): vscode.WorkspaceFolder | undefined {
  const watching = folders.filter((folder) => foldersOf(folder).includes(run.folder));
  const cwd = run.header?.program.cwd;
  return watching.find((folder) => cwd !== undefined && (cwd === folder.uri.fsPath || cwd.startsWith(`${folder.uri.fsPath}/`))) ?? watching[0];
}

/** A part of "Why it died": its name, and its summary ("TypeError: x is not a function (uncaught exception)"). */
function sectionItem(node: Node & { kind: 'section' }): vscode.TreeItem {
  const { section } = node;
  const state = !section.lines ? vscode.TreeItemCollapsibleState.None : FRAME_SECTIONS.has(section.name) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
  const item = new vscode.TreeItem(section.name, state);
  item.id = `section:${node.run.file}:${node.index}`;
  if (section.summary) item.description = oneLine(section.summary, 200);
  item.tooltip = [section.summary, section.lines ? vscode.l10n.t('{0} lines', section.lines.length) : undefined].filter(Boolean).join('\n');
  return item;
}

/** A section's lines, as many as a tree shows (the crash report has them all); a frame in a workspace file opens it at its line. */
async function sectionLines(node: Node & { kind: 'section' }): Promise<Node[]> {
  const cwd = node.run.header?.program.cwd;
  const lines = shownLines(node.section, TREE_LINES, (count) => vscode.l10n.t('… {0} more lines: Show Why It Died', count));
  const cut = (node.section.lines?.length ?? 0) > TREE_LINES ? (node.section.keep === 'start' ? lines.length - 1 : 0) : -1;
  return Promise.all(
    lines.map(async (text, index) => {
      if (index === cut) return { kind: 'line' as const, run: node.run, id: `line:${node.run.file}:${node.index}:more`, text, more: true as const };
      const frame = frameLocation(text, cwd);
      const target = frame && (await frameTarget(frame));
      return { kind: 'line' as const, run: node.run, id: `line:${node.run.file}:${node.index}:${index}`, text, ...(frame && { frame }), ...(target && { target }) };
    }),
  );
}

function valueItem(node: ValueNode): vscode.TreeItem {
  const { key } = node;
  const item = new vscode.TreeItem(keyText(key) === '' ? vscode.l10n.t('(empty key)') : keyText(key));
  item.id = `value:${node.run.file}\u0000${node.title.file}\u0000${key.key}`;
  item.description = keyDescription(key);
  item.iconPath = new vscode.ThemeIcon(ENCODING_ICONS[key.encoding] ?? 'symbol-misc');
  const large = key.size > WHOLE_VALUE_BYTES;
  item.tooltip = large
    ? vscode.l10n.t('{0}: {1}; click to inspect its first page. Too large to copy or compare in the editor: save it to a file.', keyText(key), keyDescription(key))
    : vscode.l10n.t('{0}: {1}; click to inspect', keyText(key), keyDescription(key));
  // value, then `.history` (of an earlier save), `.file` (the text of a workspace file: restorable), `.large` (too large to show whole: Copy and Compare say why not).
  const file = workspaceFileOf(key.key, node.run.header?.program.cwd) !== undefined;
  item.contextValue = `value${node.generation === 'newest' ? '' : '.history'}${file ? '.file' : ''}${large ? '.large' : ''}`;
  item.command = { command: 'faultguard.openValue', title: vscode.l10n.t('Inspect Value'), arguments: [node] };
  return item;
}
