import { homedir } from 'node:os';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { formatBytes } from '@faultguard/protocol';
import {
  DiscardRunRequest,
  ReadValueRequest,
  RecoverRunRequest,
  RefreshRequest,
  SaveValueRequest,
  type KeyInfo,
  type RunSummary,
} from '@faultguard/protocol/recovery-service';
import type { Node, RecoveryTree } from './recovery-tree';
import type { ServiceClient } from './service-client';
import { commandLabel, isRecoverable, keyText, runDescription } from './run-presentation';
import type { ValueDocuments } from './value-documents';
import { valueUri } from './value-uri';

type ValueNode = { readonly run: RunSummary; readonly key: KeyInfo };

/** The commands of the Recovery view and the palette; each says what went wrong, naming the file. */
export function registerCommands(service: ServiceClient, tree: RecoveryTree, view: vscode.TreeView<Node>, documents: ValueDocuments): vscode.Disposable[] {
  const ask = service.client;
  const commands: Record<string, (...args: never[]) => unknown> = {
    'faultguard.openValue': async (node: ValueNode) => {
      const { partial } = await documents.show(valueUri(node.run.file, node.key.key, 'page', keyText(node.key)));
      if (!partial) return;
      const save = vscode.l10n.t('Save Whole Value…');
      const choice = await vscode.window.showInformationMessage(vscode.l10n.t('"{0}" is {1}: the editor shows its first page.', keyText(node.key), formatBytes(node.key.size)), save);
      if (choice === save) await vscode.commands.executeCommand('faultguard.saveValue', node);
    },
    'faultguard.saveValue': async ({ run, key }: ValueNode) => {
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(defaultFolder(), key.fileName),
        title: vscode.l10n.t('Save the value of "{0}"', keyText(key)),
      });
      if (!target) return;
      if (target.scheme !== 'file') throw new Error(vscode.l10n.t('The value can only be saved to a local file, not to {0}', target.toString()));
      const { bytes } = await ask.sendRequest(SaveValueRequest, { file: run.file, key: key.key, target: target.fsPath });
      void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0} bytes to {1}.', bytes, target.fsPath));
    },
    'faultguard.compareValue': async ({ run, key }: ValueNode) => {
      const [other] = (await vscode.window.showOpenDialog({ canSelectMany: false, defaultUri: defaultFolder(), title: vscode.l10n.t('Compare "{0}" with…', keyText(key)) })) ?? [];
      if (!other) return;
      const title = vscode.l10n.t('{0} (rescued) ↔ {1}', keyText(key), basename(other.fsPath));
      await vscode.commands.executeCommand('vscode.diff', valueUri(run.file, key.key, 'whole', keyText(key)), other, title);
    },
    'faultguard.copyValue': async ({ run, key }: ValueNode) => {
      const view = await ask.sendRequest(ReadValueRequest, { file: run.file, key: key.key, extent: 'whole' });
      await vscode.env.clipboard.writeText(view.text);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Copied the value of "{0}"', keyText(key)), 3000);
    },
    'faultguard.recoverRun': async (node?: { run: RunSummary }) => {
      const run = node?.run ?? (await pickRun(service, vscode.l10n.t('Recover which run?'), isRecoverable, vscode.l10n.t('There are no crashed runs to recover.')));
      if (!run) return;
      const [into] = (await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, defaultUri: defaultFolder(), openLabel: vscode.l10n.t('Recover Here'), title: vscode.l10n.t('Recover the values of {0} into…', commandLabel(run)) })) ?? [];
      if (!into) return;
      const recovered = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Recovering {0}…', commandLabel(run)) },
        () => ask.sendRequest(RecoverRunRequest, { file: run.file, into: into.fsPath }),
      );
      const discard = vscode.l10n.t('Discard Run');
      const count = recovered.files.length;
      const message = count === 1 ? vscode.l10n.t('Recovered 1 value into {0}.', recovered.folder) : vscode.l10n.t('Recovered {0} values into {1}.', count, recovered.folder);
      const choice = await vscode.window.showInformationMessage(message, discard);
      if (choice === discard) await vscode.commands.executeCommand('faultguard.discardRun', { run });
    },
    'faultguard.discardRun': async (node?: { run: RunSummary }) => {
      const run = node?.run ?? (await pickRun(service, vscode.l10n.t('Discard which run?'), (candidate) => !candidate.active, vscode.l10n.t('There are no runs to discard (a live run cannot be).')));
      if (!run) return;
      const discard = vscode.l10n.t('Discard');
      const entries = run.header?.data.entries;
      const values =
        entries === undefined ? vscode.l10n.t('It holds no data that can be read; it will be deleted.')
        : entries === 1 ? vscode.l10n.t('Its 1 rescued value will be deleted.')
        : vscode.l10n.t('Its {0} rescued values will be deleted.', entries);
      const choice = await vscode.window.showWarningMessage(vscode.l10n.t('Discard the autosave of {0}?', commandLabel(run)), { modal: true, detail: `${values}\n${run.file}` }, discard);
      if (choice !== discard) return;
      await ask.sendRequest(DiscardRunRequest, { file: run.file });
    },
    'faultguard.revealFile': async ({ run }: { run: RunSummary }) => {
      const uri = vscode.Uri.file(run.file);
      const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
      await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
    },
    'faultguard.refresh': async () => service.update(await ask.sendRequest(RefreshRequest)),
    'faultguard.showLog': () => service.showLog(),
    'faultguard.inspectRun': async (file: string) => {
      await vscode.commands.executeCommand('faultguard.runs.focus');
      const node = tree.runNode(file);
      if (node) await view.reveal(node, { select: true, focus: true, expand: true });
    },
  };
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

/** A run, chosen from a list: the palette's way to the run commands. */
async function pickRun(service: ServiceClient, title: string, offered: (run: RunSummary) => boolean, none: string): Promise<RunSummary | undefined> {
  const runs = service.snapshot.runs.filter(offered);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(none);
    return undefined;
  }
  const now = Date.now();
  const picked = await vscode.window.showQuickPick(
    runs.map((run) => ({ label: commandLabel(run), description: runDescription(run, now), detail: run.file, run })),
    { title },
  );
  return picked?.run;
}

function defaultFolder(): vscode.Uri {
  return vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(homedir());
}
