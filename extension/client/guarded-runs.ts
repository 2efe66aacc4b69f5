import { extname } from 'node:path';
import * as vscode from 'vscode';
import { foldersOf } from './settings';

export const TASK_TYPE = 'faultguard';

/** A `faultguard` task in tasks.json: the program to run under the guard. */
interface GuardedTaskDefinition extends vscode.TaskDefinition {
  readonly command: string;
  readonly args?: readonly string[];
  /** Seconds between autosaves (the guard's default: 10). */
  readonly interval?: number;
}

/** How a file is run, by its extension: the programs a guarded run can start from the editor. */
const RUNNERS: Readonly<Record<string, string>> = { '.js': 'node', '.mjs': 'node', '.cjs': 'node', '.py': 'python3' };

/**
 * Runs programs under the guard from the editor: a task type (`"type": "faultguard"`), a command for
 * the active file, and `"faultguard": true` in a Node launch configuration. Each run autosaves into
 * the first autosave folder of its workspace folder, which the Recovery view watches: a crash shows
 * up there at once. The guard is the runtime's CLI, shipped inside the extension, run by the `node`
 * on PATH (Node.js 20.15 or later).
 */
export class GuardedRuns implements vscode.TaskProvider, vscode.DebugConfigurationProvider {
  constructor(private readonly cli: string) {}

  provideTasks(): vscode.Task[] {
    const task = this.activeFileTask();
    return task ? [task] : [];
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as GuardedTaskDefinition;
    if (typeof definition.command !== 'string') return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return new vscode.Task(definition, folder, task.name, TASK_TYPE, this.execution(definition, folder));
  }

  /** Faultguard: Run Active File Under the Guard. */
  async runActiveFile(): Promise<void> {
    const task = this.activeFileTask();
    if (!task) throw new Error(vscode.l10n.t('Open a JavaScript or Python file of a workspace folder to run it under the guard.'));
    await vscode.tasks.executeTask(task);
  }

  /** A Node launch with `"faultguard": true` runs `node <cli> run --autosave … -- node <program>`. */
  resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    if (config.faultguard !== true || config.request !== 'launch') return config;
    const workspaceFolder = folder ?? vscode.workspace.workspaceFolders?.[0];
    const autosave = workspaceFolder && foldersOf(workspaceFolder)[0];
    if (!autosave) throw new Error(vscode.l10n.t('A guarded launch needs a workspace folder with an autosave folder (setting faultguard.autosaveFolders).'));
    const program = typeof config.runtimeExecutable === 'string' ? config.runtimeExecutable : 'node';
    const runtimeArgs = Array.isArray(config.runtimeArgs) ? config.runtimeArgs : [];
    // js-debug then starts `node <cli> run … -- <program> <runtimeArgs> <program file> <args>` and
    // follows the guarded child, as it follows any child Node process. The flag goes: resolved twice,
    // the launch must not be wrapped twice.
    const { faultguard: _, ...launch } = config;
    return { ...launch, runtimeExecutable: 'node', runtimeArgs: [this.cli, 'run', '--autosave', `${autosave}/`, '--', program, ...runtimeArgs] };
  }

  private activeFileTask(): vscode.Task | undefined {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || document.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return undefined;
    const runner = RUNNERS[extname(document.uri.fsPath).toLowerCase()];
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!runner || !folder) return undefined;
    const definition: GuardedTaskDefinition = { type: TASK_TYPE, command: runner, args: [document.uri.fsPath] };
    const name = vscode.l10n.t('run {0} under the guard', vscode.workspace.asRelativePath(document.uri, false));
    return new vscode.Task(definition, folder, name, TASK_TYPE, this.execution(definition, folder));
  }

  private execution(definition: GuardedTaskDefinition, folder: vscode.WorkspaceFolder): vscode.ProcessExecution {
    const autosave = foldersOf(folder)[0];
    const options = [...(autosave ? ['--autosave', `${autosave}/`] : []), ...(definition.interval ? ['--interval', String(definition.interval)] : [])];
    // The user's Node runs the guard, as in a guarded launch: the editor's own (Electron, told to act
    // as Node by an environment variable) would pass that variable on to the program.
    return new vscode.ProcessExecution('node', [this.cli, 'run', ...options, '--', definition.command, ...(definition.args ?? [])], { cwd: folder.uri.fsPath });
  }
}
