import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { countOf, formatBytes } from '@faultguard/protocol';
import {
  DiscardRunRequest,
  ReadValueRequest,
  RecoverRunRequest,
  RefreshRequest,
  SaveValueRequest,
  WHOLE_VALUE_BYTES,
  type RunSummary,
} from '@faultguard/protocol/recovery-service';
import type { CrashReports } from './crash-reports';
import type { Recoveries } from './recoveries';
import type { Node, RecoveryTree, ValueNode } from './recovery-tree';
import type { ServiceClient } from './service-client';
import { commandLabel, isRecoverable, keyText, newestFirst, recoveryFolderName, runDescription, runName, runTitle, whenOf } from './run-presentation';
import { recoveryFolder } from './settings';
import type { ValueDocuments } from './value-documents';
import { valueOf, valueUri } from './value-uri';
import { workspaceFileOf } from './workspace-files';

type RunNode = { readonly run: RunSummary };

/** The ages "Discard Runs Older Than…" offers. */
const AGES: readonly { label: string; ms: number }[] = [
  { label: '1 hour', ms: 3600_000 },
  { label: '1 day', ms: 86_400_000 },
  { label: '1 week', ms: 7 * 86_400_000 },
  { label: '30 days', ms: 30 * 86_400_000 },
];

/** The commands of the Recovery view and the palette; each says what went wrong, naming the file. */
export function registerCommands(service: ServiceClient, tree: RecoveryTree, view: vscode.TreeView<Node>, documents: ValueDocuments, recoveries: Recoveries, reports: CrashReports): vscode.Disposable[] {
  const ask = service.client;
  /** What a command from the view acts on: the selection when the clicked node is part of it (multi-select), else the node; from a key, the selection. */
  function targets<T extends Node>(node: T | undefined, selected: readonly Node[] | undefined, kind: T['kind']): T[] {
    const chosen = selected && node && selected.includes(node) ? selected : node ? [node] : view.selection;
    return chosen.filter((candidate): candidate is T => candidate.kind === kind);
  }
  const runsOf = (node: Node | undefined, selected: readonly Node[] | undefined) => targets(node as RunNode & Node, selected, 'run').map(({ run }) => run);

  const commands: Record<string, (...args: never[]) => unknown> = {
    'faultguard.openValue': async (node: ValueNode) => documents.show(valueUri(node.title, node.key.key, 'page', 0, keyText(node.key))),
    'faultguard.nextPage': (uri: vscode.Uri) => turnPage(documents, uri, 1),
    'faultguard.previousPage': (uri: vscode.Uri) => turnPage(documents, uri, -1),
    'faultguard.saveShownValue': async (uri: vscode.Uri) => {
      const params = valueOf(uri);
      if (params) await saveValues([{ file: params.file, key: params.key, label: uri.path.slice(1).split(' · ')[0], fileName: basename(params.key) || 'value', size: documents.shownAs(uri)?.view?.size ?? 0 }]);
    },
    'faultguard.saveValue': async (node: ValueNode, selected?: Node[]) => {
      const values = targets(node, selected, 'value');
      await saveValues(values.map(({ title, key }) => ({ file: title.file, key: key.key, label: keyText(key), fileName: key.fileName, size: key.size })));
    },
    'faultguard.compareValue': async (node: ValueNode) => {
      if (!shownWhole(node, vscode.l10n.t('compared'))) return;
      const [other] = (await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: defaultFolder(), title: vscode.l10n.t('Compare "{0}" with…', keyText(node.key)) })) ?? [];
      if (!other) return;
      const title = vscode.l10n.t('{0} (rescued) ↔ {1}', keyText(node.key), basename(other.fsPath));
      await vscode.commands.executeCommand('vscode.diff', valueUri(node.title, node.key.key, 'whole', 0, keyText(node.key)), other, title);
    },
    'faultguard.compareWithNewest': async (node: ValueNode) => {
      if (!shownWhole(node, vscode.l10n.t('compared'))) return;
      const newest = runTitle(node.run);
      const title = vscode.l10n.t('{0}: {1} ↔ {2}', keyText(node.key), node.title.title, newest.title);
      await vscode.commands.executeCommand('vscode.diff', valueUri(node.title, node.key.key, 'whole', 0, keyText(node.key)), valueUri(newest, node.key.key, 'whole', 0, keyText(node.key)), title);
    },
    'faultguard.compareWithWorkspaceFile': async (node: ValueNode) => {
      const file = await fileFor(node);
      if (!file || !shownWhole(node, vscode.l10n.t('compared'))) return;
      const title = vscode.l10n.t('{0} ↔ {1} (rescued)', vscode.workspace.asRelativePath(file), node.title.title);
      await vscode.commands.executeCommand('vscode.diff', file, valueUri(node.title, node.key.key, 'whole', 0, keyText(node.key)), title);
    },
    'faultguard.restoreToFile': async (node: ValueNode) => {
      const file = await fileFor(node);
      if (!file || !shownWhole(node, vscode.l10n.t('restored'))) return;
      const rescued = await ask.sendRequest(ReadValueRequest, { file: node.title.file, key: node.key.key, extent: 'whole' });
      if (rescued.rendering !== 'text' && rescued.rendering !== 'json') throw new Error(vscode.l10n.t('The value of "{0}" is not text; it can be saved to a file, not restored into one.', keyText(node.key)));
      await vscode.commands.executeCommand('vscode.diff', file, valueUri(node.title, node.key.key, 'whole', 0, keyText(node.key)), vscode.l10n.t('{0} ↔ {1} (rescued)', vscode.workspace.asRelativePath(file), node.title.title));
      const restore = vscode.l10n.t('Restore');
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t('Replace the text of {0} with the rescued value of "{1}"? The file is changed as by an edit: Undo takes it back.', vscode.workspace.asRelativePath(file), keyText(node.key)),
        { modal: true },
        restore,
      );
      if (choice !== restore) return;
      const document = await vscode.workspace.openTextDocument(file);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(file, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), rescued.text);
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error(vscode.l10n.t('{0} could not be changed.', file.fsPath));
      await vscode.window.showTextDocument(document, { preview: false });
      void vscode.window.showInformationMessage(vscode.l10n.t('Restored "{0}" into {1} (Undo takes it back).', keyText(node.key), vscode.workspace.asRelativePath(file)));
    },
    'faultguard.openAsUntitled': async (node: ValueNode) => {
      if (!shownWhole(node, vscode.l10n.t('opened as a new file'))) return;
      const rescued = await ask.sendRequest(ReadValueRequest, { file: node.title.file, key: node.key.key, extent: 'whole' });
      const document = await vscode.workspace.openTextDocument({ content: rescued.text, language: rescued.rendering === 'json' ? 'json' : 'plaintext' });
      await vscode.window.showTextDocument(document, { preview: false });
    },
    'faultguard.copyValue': async (node: ValueNode) => {
      if (!shownWhole(node, vscode.l10n.t('copied'))) return;
      const rescued = await ask.sendRequest(ReadValueRequest, { file: node.title.file, key: node.key.key, extent: 'whole' });
      await vscode.env.clipboard.writeText(rescued.text);
      void vscode.window.showInformationMessage(vscode.l10n.t('Copied the value of "{0}" ({1}) to the clipboard.', keyText(node.key), formatBytes(node.key.size)));
    },
    'faultguard.recoverRun': async (node?: RunNode & Node, selected?: Node[]) => {
      const runs = node ? runsOf(node, selected).filter(isRecoverable) : await pickRuns(service, vscode.l10n.t('Recover which runs?'), isRecoverable, vscode.l10n.t('There are no crashed runs to recover.'));
      if (runs.length === 0) return;
      const folders = await recoveryTargets(runs);
      if (!folders) return;
      const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Recovering…') }, async (progress) => {
        const recovered: { run: RunSummary; folder: string; count: number }[] = [];
        for (const [i, run] of runs.entries()) {
          progress.report({ message: commandLabel(run), increment: 100 / runs.length });
          const result = await ask.sendRequest(RecoverRunRequest, { file: run.file, folder: folders[i] });
          await recoveries.record(run, result.folder);
          recovered.push({ run, folder: result.folder, count: result.files.length });
        }
        return recovered;
      });
      tree.refresh();
      const reveal = vscode.l10n.t('Reveal');
      const discard = runs.length === 1 ? vscode.l10n.t('Discard Run…') : vscode.l10n.t('Discard Runs…');
      const message =
        done.length === 1
          ? vscode.l10n.t('Recovered {0} into {1}.', countOf(done[0].count, 'value'), done[0].folder)
          : vscode.l10n.t('Recovered {0} runs into {1}.', done.length, join(done[0].folder, '..'));
      const choice = await vscode.window.showInformationMessage(message, reveal, discard);
      if (choice === reveal) await revealFolder(done[0].folder);
      else if (choice === discard) await discardRuns(done.map(({ run }) => run));
    },
    'faultguard.discardRun': async (node?: RunNode & Node, selected?: Node[]) => {
      const discardable = (run: RunSummary) => !run.active;
      const runs = node || view.selection.length > 0 ? runsOf(node, selected).filter(discardable) : await pickRuns(service, vscode.l10n.t('Discard which runs?'), discardable, vscode.l10n.t('There are no runs to discard (a live run cannot be).'));
      if (runs.length > 0) await discardRuns(runs);
    },
    'faultguard.discardAllCrashed': async () => {
      const runs = service.snapshot.runs.filter(isRecoverable);
      if (runs.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('There are no crashed runs to discard.'));
      await discardRuns(runs);
    },
    'faultguard.discardOlderThan': async () => {
      const age = await vscode.window.showQuickPick(
        AGES.map(({ label, ms }) => ({ label, description: countOf(service.snapshot.runs.filter((run) => !run.active && Date.now() - whenOf(run) > ms).length, 'run'), ms })),
        { title: vscode.l10n.t('Discard the ended runs older than…') },
      );
      if (!age) return;
      const runs = service.snapshot.runs.filter((run) => !run.active && Date.now() - whenOf(run) > age.ms);
      if (runs.length === 0) return void vscode.window.showInformationMessage(vscode.l10n.t('No ended run is older than {0}.', age.label));
      await discardRuns(runs);
    },
    'faultguard.revealFile': async ({ run }: RunNode) => {
      const uri = vscode.Uri.file(run.file);
      const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
      await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
    },
    'faultguard.refresh': async () => service.update(await ask.sendRequest(RefreshRequest)),
    'faultguard.showLog': () => service.showLog(),
    'faultguard.showCrashReport': async (node: RunNode) => reports.show(node.run),
    'faultguard.inspectRun': async (file: string) => {
      await vscode.commands.executeCommand('faultguard.runs.focus');
      const node = tree.runNode(file);
      if (node) await view.reveal(node, { select: true, focus: true, expand: true });
    },
  };

  /** One confirmation for all; to the trash where there is one (said before, and after if there was none). */
  async function discardRuns(runs: readonly RunSummary[]): Promise<void> {
    const notRecovered = runs.filter((run) => run.header && !recoveries.of(run));
    const values = runs.reduce((sum, run) => sum + (run.header?.data.entries ?? 0), 0);
    const question =
      runs.length === 1 ? vscode.l10n.t('Move the autosave of {0} to the trash?', commandLabel(runs[0])) : vscode.l10n.t('Move the autosaves of {0} runs to the trash?', runs.length);
    const state =
      notRecovered.length === 0
        ? runs.length === 1 && recoveries.of(runs[0])
          ? vscode.l10n.t('It was recovered into {0}.', recoveries.of(runs[0])!.folder)
          : vscode.l10n.t('Every one of them was recovered.')
        : runs.length === 1
          ? vscode.l10n.t('It has not been recovered: its {0} will be in the trash only.', countOf(values, 'value'))
          : vscode.l10n.t('{0} of them not recovered ({1} in all).', notRecovered.length, countOf(values, 'value'));
    const listed = runs.slice(0, 8).map((run) => `${runName(run)} · ${runDescription(run, Date.now())}`);
    const detail = [state, '', ...listed, ...(runs.length > listed.length ? [`… ${runs.length - listed.length} more`] : [])].join('\n');
    const keep = vscode.l10n.t('Keep');
    const trash = vscode.l10n.t('Move to Trash');
    // The first button is the default one (Enter): keeping the data, never the way it goes.
    const choice = await vscode.window.showWarningMessage(question, { modal: true, detail }, keep, trash);
    if (choice !== trash) return;
    let deleteForGood: boolean | undefined;
    for (const run of runs) {
      try {
        await ask.sendRequest(DiscardRunRequest, { file: run.file, trash: deleteForGood !== true });
      } catch (error) {
        if ((error as { data?: { problem?: string } }).data?.problem !== 'no-trash') throw error;
        const remove = vscode.l10n.t('Delete Permanently');
        deleteForGood ??= (await vscode.window.showWarningMessage(vscode.l10n.t('There is no trash here: {0}', (error as Error).message), { modal: true, detail: vscode.l10n.t('Deleted, the autosaves cannot be brought back.') }, keep, remove)) === remove;
        if (!deleteForGood) return;
        await ask.sendRequest(DiscardRunRequest, { file: run.file });
      }
    }
    void vscode.window.setStatusBarMessage(runs.length === 1 ? vscode.l10n.t('Discarded {0}', runName(runs[0])) : vscode.l10n.t('Discarded {0} runs', runs.length), 5000);
  }

  /** Where each run's values go: a folder named for the run and its time, in the recovery folder (asked for one run; for several, their parent). */
  async function recoveryTargets(runs: readonly RunSummary[]): Promise<string[] | undefined> {
    const parent = recoveryFolder();
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(parent));
    if (runs.length === 1) {
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(join(parent, recoveryFolderName(runs[0]))),
        saveLabel: vscode.l10n.t('Recover Here'),
        title: vscode.l10n.t('Recover the values of {0} into the folder…', commandLabel(runs[0])),
      });
      if (!target) return undefined;
      return [target.fsPath];
    }
    const [into] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: vscode.Uri.file(parent), openLabel: vscode.l10n.t('Recover Here'), title: vscode.l10n.t('Recover {0} runs, each into a folder of its own, inside…', runs.length) })) ?? [];
    if (!into) return undefined;
    const names = new Set<string>();
    return runs.map((run) => {
      let name = recoveryFolderName(run);
      for (let n = 2; names.has(name); n++) name = `${recoveryFolderName(run)} (${n})`;
      names.add(name);
      return join(into.fsPath, name);
    });
  }

  /** Saves one value to a file the user names, or several into a folder, each under its own name. */
  async function saveValues(values: readonly { file: string; key: string; label: string; fileName: string; size: number }[]): Promise<void> {
    if (values.length === 0) return;
    let targets: string[];
    if (values.length === 1) {
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(defaultFolder(), values[0].fileName), title: vscode.l10n.t('Save the value of "{0}"', values[0].label) });
      if (!target) return;
      if (target.scheme !== 'file') throw new Error(vscode.l10n.t('The value can only be saved to a local file, not to {0}', target.toString()));
      targets = [target.fsPath];
    } else {
      const [into] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: defaultFolder(), openLabel: vscode.l10n.t('Save Here'), title: vscode.l10n.t('Save {0} values into…', values.length) })) ?? [];
      if (!into) return;
      targets = values.map(({ fileName }) => join(into.fsPath, fileName));
    }
    let bytes = 0;
    for (const [i, value] of values.entries()) bytes += (await ask.sendRequest(SaveValueRequest, { file: value.file, key: value.key, target: targets[i] })).bytes;
    void vscode.window.showInformationMessage(values.length === 1 ? vscode.l10n.t('Saved {0} to {1}.', formatBytes(bytes), targets[0]) : vscode.l10n.t('Saved {0} values ({1}) into {2}.', values.length, formatBytes(bytes), join(targets[0], '..')));
  }

  return Object.entries(commands).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        await handler(...args);
      } catch (error) {
        void vscode.window.showErrorMessage((error as Error).message);
      }
    }),
  );
}

/** Copy, Compare and the like need the whole value: a value too large for that says so, and why (it is not silently left out). */
function shownWhole(node: ValueNode, what: string): boolean {
  if (node.key.size <= WHOLE_VALUE_BYTES) return true;
  void vscode.window.showInformationMessage(
    vscode.l10n.t('"{0}" is {1}: values over {2} cannot be {3} in the editor. Save it to a file instead.', keyText(node.key), formatBytes(node.key.size), formatBytes(WHOLE_VALUE_BYTES), what),
    vscode.l10n.t('Save Value As…'),
  ).then((choice) => choice && vscode.commands.executeCommand('faultguard.saveValue', node));
  return false;
}

/** The workspace file a value is the text of (the convention of workspace-files.ts), or a message saying there is none. */
async function fileFor(node: ValueNode): Promise<vscode.Uri | undefined> {
  const file = workspaceFileOf(node.key.key, node.run.header?.program.cwd);
  if (!file) void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" names no file of the workspace.', keyText(node.key)));
  return file;
}

async function turnPage(documents: ValueDocuments, uri: vscode.Uri, by: number): Promise<void> {
  const active = uri ?? vscode.window.activeTextEditor?.document.uri;
  const params = active && valueOf(active);
  const shown = active && documents.shownAs(active);
  if (!params || !shown) return;
  const page = Math.min(shown.pages - 1, Math.max(0, shown.page + by));
  const title = { file: params.file, title: active.path.slice(1).split(' · ').slice(1).filter((part) => !part.startsWith('page ')).join(' · ') };
  await documents.show(valueUri(title, params.key, 'page', page), { preview: false });
}

async function revealFolder(folder: string): Promise<void> {
  const uri = vscode.Uri.file(folder);
  if (vscode.workspace.getWorkspaceFolder(uri)) return void (await vscode.commands.executeCommand('revealInExplorer', uri));
  // A browser (code-server) has no file manager to show it in: the recovery's index then.
  if (vscode.env.uiKind === vscode.UIKind.Web) return void (await vscode.window.showTextDocument(vscode.Uri.joinPath(uri, 'index.json')));
  await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** Runs chosen from a list, newest first as in the view: the palette's way to the run commands. */
async function pickRuns(service: ServiceClient, title: string, offered: (run: RunSummary) => boolean, none: string): Promise<RunSummary[]> {
  const runs = service.snapshot.runs.filter(offered).sort(newestFirst);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(none);
    return [];
  }
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: runName(run), description: runDescription(run, now), detail: commandLabel(run), run })),
    { title, canPickMany: true, matchOnDetail: true },
  );
  return picked?.map(({ run }) => run) ?? [];
}

function defaultFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
}
