import * as vscode from 'vscode';
import { ReadRunRequest, WHOLE_VALUE_BYTES, type KeyInfo, type RunContents, type RunSummary } from '@faultguard/protocol/recovery-service';
import type { ServiceClient } from './service-client';
import { GROUP_LABELS, commandLabel, crashedCount, groupRuns, keyDescription, keyText, runDescription, runDetails, savedVersion, type GroupName } from './run-presentation';

export type Node =
  | { readonly kind: 'group'; readonly group: GroupName; readonly runs: readonly RunSummary[] }
  | { readonly kind: 'run'; readonly run: RunSummary }
  | { readonly kind: 'value'; readonly run: RunSummary; readonly key: KeyInfo }
  | { readonly kind: 'message'; readonly text: string; readonly error: boolean };

const RUN_ICONS: Readonly<Record<RunSummary['state'], vscode.ThemeIcon>> = {
  crashed: new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground')),
  orphaned: new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('problemsWarningIcon.foreground')),
  active: new vscode.ThemeIcon('pulse'),
  unreadable: new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')),
};

const ENCODING_ICONS: Readonly<Record<string, string>> = { json: 'json', bytes: 'file-binary', 'python-pickle': 'lock' };

/**
 * The Recovery view: Crashed / Running / Unreadable, each run with its values. Runs come from the
 * service's snapshots; a run's values are asked for when it is expanded (the service
 * decompresses, never this host). A file that cannot be read is an item with its error.
 */
export class RecoveryTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly nodes = new Map<string, Node & { kind: 'run' }>();
  /** Each run's values, asked for once per saved version: redrawing the tree asks the service nothing. */
  private readonly contents = new Map<string, { saved: string; contents: Promise<RunContents> }>();
  private readonly ticker: NodeJS.Timeout;

  constructor(private readonly service: ServiceClient) {
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

  get crashed(): number {
    return crashedCount(this.service.snapshot.runs);
  }

  /** The node of a run, for reveal(): the one the tree was given, or one for a run not shown yet. */
  runNode(file: string): Node | undefined {
    const run = this.service.snapshot.runs.find((candidate) => candidate.file === file);
    return this.nodes.get(file) ?? (run && this.runNodeFor(run));
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'value') return this.nodes.get(node.run.file);
    if (node.kind !== 'run') return undefined;
    const groups = groupRuns(this.service.snapshot.runs);
    for (const [group, runs] of groups) if (runs.some((run) => run.file === node.run.file)) return { kind: 'group', group, runs };
    return undefined;
  }

  getChildren(node?: Node): vscode.ProviderResult<Node[]> {
    if (!node) return this.groups();
    if (node.kind === 'group') return node.runs.map((run) => this.runNodeFor(run));
    if (node.kind === 'run') return this.values(node.run);
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'group': {
        const item = new vscode.TreeItem(GROUP_LABELS[node.group], vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.group}`;
        item.description = String(node.runs.length);
        item.contextValue = `group.${node.group}`;
        return item;
      }
      case 'run':
        return runItem(node.run);
      case 'value':
        return valueItem(node.run, node.key);
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

  private groups(): Node[] {
    const groups = groupRuns(this.service.snapshot.runs);
    this.nodes.clear();
    const listed = new Set(this.service.snapshot.runs.map((run) => run.file));
    for (const file of this.contents.keys()) if (!listed.has(file)) this.contents.delete(file);
    // Empty groups are left out, so that an empty view shows its welcome text.
    return [...groups].filter(([, runs]) => runs.length > 0).map(([group, runs]) => ({ kind: 'group', group, runs }));
  }

  private runNodeFor(run: RunSummary): Node {
    const node = { kind: 'run' as const, run };
    this.nodes.set(run.file, node);
    return node;
  }

  private contentsOf(run: RunSummary): Promise<RunContents> {
    const saved = savedVersion(run);
    const cached = this.contents.get(run.file);
    if (cached?.saved === saved) return cached.contents;
    const contents = this.service.client.sendRequest(ReadRunRequest, { file: run.file });
    contents.catch(() => this.contents.get(run.file)?.contents === contents && this.contents.delete(run.file)); // an error is asked again
    this.contents.set(run.file, { saved, contents });
    return contents;
  }

  private async values(run: RunSummary): Promise<Node[]> {
    if (!run.header) return [];
    try {
      const contents = await this.contentsOf(run);
      const notes: Node[] = contents.fallback ? [{ kind: 'message', text: vscode.l10n.t('Previous generation shown: {0}', contents.fallback), error: true }] : [];
      if (contents.keys.length === 0) notes.push({ kind: 'message', text: vscode.l10n.t('No values were stored'), error: false });
      return [...notes, ...contents.keys.map((key) => ({ kind: 'value' as const, run, key }))];
    } catch (error) {
      return [{ kind: 'message', text: (error as Error).message, error: true }];
    }
  }
}

function runItem(run: RunSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(commandLabel(run), run.header ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.file}`;
  item.description = runDescription(run, Date.now());
  item.tooltip = new vscode.MarkdownString().appendText(runDetails(run).join('\n'));
  item.iconPath = RUN_ICONS[run.state];
  // `run.crashed`, `run.orphaned`, `run.active`, `run.unreadable`, `run.empty` (a claim whose guard
  // died before its first save: nothing to recover); a crash still being saved is active.
  item.contextValue = `run.${run.active ? 'active' : run.state !== 'unreadable' && !run.header ? 'empty' : run.state}`;
  return item;
}

function valueItem(run: RunSummary, key: KeyInfo): vscode.TreeItem {
  const item = new vscode.TreeItem(keyText(key) === '' ? vscode.l10n.t('(empty key)') : keyText(key));
  item.id = `value:${run.file}\u0000${key.key}`;
  item.description = keyDescription(key);
  item.iconPath = new vscode.ThemeIcon(ENCODING_ICONS[key.encoding] ?? 'symbol-misc');
  item.tooltip = vscode.l10n.t('{0}: {1}; click to inspect', keyText(key), keyDescription(key));
  // Too large to show whole: no Copy, no Compare (the service would refuse); Save As works.
  item.contextValue = key.size > WHOLE_VALUE_BYTES ? 'value.large' : 'value';
  item.command = { command: 'faultguard.openValue', title: vscode.l10n.t('Inspect Value'), arguments: [{ kind: 'value', run, key }] };
  return item;
}
