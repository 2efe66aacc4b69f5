// The Faultguard extension: a thin UI over the recovery service (extension/service), which watches
// the autosave folders and reads the files. This host only shows what the service reports.
import * as vscode from 'vscode';
import { RunContentsChangedNotification, type RunSummary } from '@faultguard/protocol/recovery-service';
import { registerCommands } from './commands';
import { findGuardRuntime, writeCliLauncher, type GuardRuntime } from './guard-runtime';
import { GuardedRuns, PYTHON_DEBUG_TYPES, TASK_TYPE } from './guarded-runs';
import { Recoveries } from './recoveries';
import { RecoveryTree, type Node } from './recovery-tree';
import { ServiceClient } from './service-client';
import { affectsService, serviceSettings } from './settings';
import { CrashAlerts, crashedRunsText } from './crash-alerts';
import { CONTEXT_SCHEME, CrashReports } from './crash-reports';
import { ValueDocuments } from './value-documents';
import { VALUE_SCHEME } from './value-uri';

/** What the extension offers other extensions (and its tests): the runs the service reports, and how guarded runs are started. */
export interface FaultguardApi {
  runs(): readonly RunSummary[];
  guardRuntime(): Promise<GuardRuntime>;
}

let service: ServiceClient | undefined;

export function activate(context: vscode.ExtensionContext): FaultguardApi {
  const recovery = new ServiceClient(context, serviceSettings);
  service = recovery;
  const recoveries = new Recoveries(context.globalState);
  const tree = new RecoveryTree(recovery, recoveries);
  const documents = new ValueDocuments(recovery);
  const reports = new CrashReports(recovery);
  const view = vscode.window.createTreeView<Node>('faultguard.runs', { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const cli = context.asAbsolutePath('extension/dist/faultguard.js');
  // Asked once: which Node runs the guard does not change while the window is open.
  const runtime = findGuardRuntime().then((found) => {
    recovery.client.info(`guarded runs use ${found.description}`);
    return found;
  });
  const guardedRuns = new GuardedRuns({ cli, pythonClient: context.asAbsolutePath('extension/python') }, () => runtime);
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
    vscode.languages.registerCodeLensProvider({ scheme: VALUE_SCHEME }, documents),
    reports,
    vscode.workspace.registerTextDocumentContentProvider(CONTEXT_SCHEME, reports),
    vscode.languages.registerDocumentLinkProvider({ scheme: CONTEXT_SCHEME }, reports),
    ...registerCommands(recovery, tree, view, documents, recoveries, reports),
    vscode.commands.registerCommand('faultguard.runActiveFile', () => guardedRuns.runActiveFile().catch((error: Error) => vscode.window.showErrorMessage(error.message))),
    vscode.tasks.registerTaskProvider(TASK_TYPE, guardedRuns),
    vscode.debug.registerDebugConfigurationProvider('node', guardedRuns),
    ...PYTHON_DEBUG_TYPES.map((type) => vscode.debug.registerDebugConfigurationProvider(type, guardedRuns)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!affectsService(event)) return;
      recovery.configure();
      tree.reload();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => recovery.configure()),
    // Restricted settings (autosave folders, limits) take their workspace values only once trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => recovery.configure()),
  );
  // `faultguard` in the editor's terminals and tasks, as the welcome text and the guard's messages say.
  void runtime.then((found) => {
    const bin = writeCliLauncher(vscode.Uri.joinPath(context.globalStorageUri, 'bin').fsPath, found, cli);
    context.environmentVariableCollection.description = vscode.l10n.t('Puts the `faultguard` command on PATH.');
    context.environmentVariableCollection.prepend('PATH', `${bin}:`);
  });
  // Not awaited: activation (say, for a debug launch) must not wait for the service to start.
  recovery
    .start()
    .then(() => recovery.client.onNotification(RunContentsChangedNotification, ({ file }) => tree.reloadFile(file)))
    .catch((error: Error) => void vscode.window.showErrorMessage(vscode.l10n.t('The Faultguard recovery service did not start: {0}', error.message)));
  return { runs: () => recovery.snapshot.runs, guardRuntime: () => runtime };
}

export function deactivate(): Promise<void> | undefined {
  return service?.stop();
}
