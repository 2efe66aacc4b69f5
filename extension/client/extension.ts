// The Faultguard extension: a thin UI over the recovery service (extension/service), which watches
// the autosave folders and reads the files. This host only shows what the service reports.
import * as vscode from 'vscode';
import type { RunSummary } from '@faultguard/protocol/recovery-service';
import { registerCommands } from './commands';
import { GuardedRuns, TASK_TYPE } from './guarded-runs';
import { RecoveryTree, type Node } from './recovery-tree';
import { ServiceClient } from './service-client';
import { affectsService, serviceSettings } from './settings';
import { CrashAlerts, crashedRunsText } from './crash-alerts';
import { ValueDocuments } from './value-documents';
import { VALUE_SCHEME } from './value-uri';

/** What the extension offers other extensions (and its tests): the runs the service reports. */
export interface FaultguardApi {
  runs(): readonly RunSummary[];
}

let service: ServiceClient | undefined;

export function activate(context: vscode.ExtensionContext): FaultguardApi {
  const recovery = new ServiceClient(context, serviceSettings);
  service = recovery;
  const tree = new RecoveryTree(recovery);
  const documents = new ValueDocuments(recovery);
  const view = vscode.window.createTreeView<Node>('faultguard.runs', { treeDataProvider: tree, showCollapseAll: true });
  const guardedRuns = new GuardedRuns(context.asAbsolutePath('extension/dist/faultguard.js'));
  const updateView = () => {
    tree.refresh();
    const crashed = tree.crashed;
    view.badge = crashed > 0 ? { value: crashed, tooltip: crashedRunsText(crashed) } : undefined;
    const problems = recovery.snapshot.problems;
    view.message = problems.length > 0 ? problems.map((problem) => problem.message).join('\n') : undefined;
  };
  context.subscriptions.push(
    recovery,
    tree,
    documents,
    view,
    new CrashAlerts(recovery),
    recovery.onRuns(updateView),
    vscode.workspace.registerTextDocumentContentProvider(VALUE_SCHEME, documents),
    ...registerCommands(recovery, tree, view, documents),
    vscode.commands.registerCommand('faultguard.runActiveFile', () => guardedRuns.runActiveFile().catch((error: Error) => vscode.window.showErrorMessage(error.message))),
    vscode.tasks.registerTaskProvider(TASK_TYPE, guardedRuns),
    vscode.debug.registerDebugConfigurationProvider('node', guardedRuns),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affectsService(event)) return;
      recovery.configure();
      tree.reload();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => recovery.configure()),
    // Restricted settings (autosave folders, limits) take their workspace values only once trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => recovery.configure()),
  );
  // Not awaited: activation (say, for a debug launch) must not wait for the service to start.
  recovery.start().catch((error: Error) => void vscode.window.showErrorMessage(vscode.l10n.t('The Faultguard recovery service did not start: {0}', error.message)));
  return { runs: () => recovery.snapshot.runs };
}

export function deactivate(): Promise<void> | undefined {
  return service?.stop();
}
