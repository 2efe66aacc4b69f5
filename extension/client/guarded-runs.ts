import { extname } from 'node:path';
import * as vscode from 'vscode';
import type { GuardRuntime } from './guard-runtime';
import { foldersOf, pythonInterpreterSetting } from './settings';

export const TASK_TYPE = 'faultguard';

/** A `faultguard` task in tasks.json: the program to run under the guard. */
interface GuardedTaskDefinition extends vscode.TaskDefinition {
  readonly command: string;
  readonly args?: readonly string[];
  /** Seconds between autosaves (the guard's default: 10). */
  readonly interval?: number;
  /** The program's working folder (default: the workspace folder) and more environment variables. */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** More options of `faultguard run`, before `--` (e.g. `["--on-crash", "notify-send crashed"]`). */
  readonly options?: readonly string[];
}

/** The debug types of Python launches: the Python Debugger extension's, and the Python extension's older name. */
export const PYTHON_DEBUG_TYPES = ['debugpy', 'python'];

/** The paths a guarded run needs: the CLI and the Python client, both inside the extension. */
export interface ShippedParts {
  readonly cli: string;
  readonly pythonClient: string;
}

/**
 * Runs programs under the guard from the editor: a task type (`"type": "faultguard"`), a command for
 * the active file, and `"faultguard": true` in a Node or Python launch configuration. Each run
 * autosaves into the first autosave folder of its workspace folder, which the Recovery view
 * watches. The guard is the CLI shipped inside the extension, run by a Node.js 20.16+ on PATH, or
 * else by the editor's own runtime (guard-runtime.ts); a Python program finds the shipped Python
 * client on its PYTHONPATH and runs with the interpreter the user chose.
 */
export class GuardedRuns implements vscode.TaskProvider, vscode.DebugConfigurationProvider {
  constructor(
    private readonly shipped: ShippedParts,
    private readonly runtime: () => Promise<GuardRuntime>,
  ) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const task = await this.activeFileTask();
    return task ? [task] : [];
  }

  async resolveTask(task: vscode.Task): Promise<vscode.Task | undefined> {
    const definition = task.definition as GuardedTaskDefinition;
    if (typeof definition.command !== 'string') return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    return this.task(definition, folder, task.name);
  }

  /** Faultguard: Run Active File Under the Guard. */
  async runActiveFile(): Promise<void> {
    const task = await this.activeFileTask();
    if (!task) {
      // An instruction, not an error: nothing went wrong.
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a JavaScript or Python file of a workspace folder to run it under the guard.'));
      return;
    }
    await vscode.tasks.executeTask(task);
  }

  /**
   * `"faultguard": true` in a launch configuration: a Node launch runs `<guard runtime> <cli> run
   * --autosave … -- node <program>` (js-debug follows the guarded child as any child Node process);
   * a Python launch gives debugpy the guarded command as its interpreter, so that the debugger's
   * launcher starts `<guard> -- python <debugpy> --connect … <program>` and attaches to the program.
   */
  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration> {
    if (config.faultguard !== true || config.request !== 'launch') return config;
    const workspaceFolder = folder ?? vscode.workspace.workspaceFolders?.[0];
    const autosave = workspaceFolder && foldersOf(workspaceFolder)[0];
    if (!autosave) throw new Error(vscode.l10n.t('A guarded launch needs a workspace folder with an autosave folder (setting faultguard.autosaveFolders).'));
    const runtime = await this.runtime();
    const guard = [this.shipped.cli, 'run', '--autosave', `${autosave}/`, '--'];
    // The flag goes: resolved twice, the launch must not be wrapped twice.
    const { faultguard: _, ...launch } = config;
    const env = { ...(launch.env as Record<string, string> | undefined), ...runtime.env };
    if (PYTHON_DEBUG_TYPES.includes(config.type)) {
      const python = typeof launch.python === 'string' ? launch.python : await pythonInterpreter(workspaceFolder);
      return { ...launch, python: [runtime.command, ...guard, python], debugLauncherPython: python, env: { ...env, PYTHONPATH: this.pythonPath(env.PYTHONPATH) } };
    }
    const program = typeof config.runtimeExecutable === 'string' ? config.runtimeExecutable : 'node';
    const runtimeArgs = Array.isArray(config.runtimeArgs) ? config.runtimeArgs : [];
    return { ...launch, runtimeExecutable: runtime.command, runtimeArgs: [...guard, program, ...runtimeArgs], env };
  }

  private async activeFileTask(): Promise<vscode.Task | undefined> {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || document.uri.scheme !== 'file' || !vscode.workspace.isTrusted) return undefined;
    const extension = extname(document.uri.fsPath).toLowerCase();
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    if (!folder) return undefined;
    const runner = extension === '.py' ? await pythonInterpreter(folder) : ['.js', '.mjs', '.cjs'].includes(extension) ? 'node' : undefined;
    if (!runner) return undefined;
    const definition: GuardedTaskDefinition = { type: TASK_TYPE, command: runner, args: [document.uri.fsPath] };
    return this.task(definition, folder, vscode.l10n.t('run {0} under the guard', vscode.workspace.asRelativePath(document.uri, false)));
  }

  private async task(definition: GuardedTaskDefinition, folder: vscode.WorkspaceFolder, name: string): Promise<vscode.Task> {
    const runtime = await this.runtime();
    const autosave = foldersOf(folder)[0];
    const options = [
      ...(autosave ? ['--autosave', `${autosave}/`] : []),
      ...(definition.interval ? ['--interval', String(definition.interval)] : []),
      ...(definition.options ?? []),
    ];
    const env = { ...definition.env, ...runtime.env, PYTHONPATH: this.pythonPath(definition.env?.PYTHONPATH ?? process.env.PYTHONPATH) };
    const cwd = definition.cwd === undefined ? folder.uri.fsPath : definition.cwd.replace(/^\$\{workspaceFolder\}/, folder.uri.fsPath);
    const execution = new vscode.ProcessExecution(runtime.command, [this.shipped.cli, 'run', ...options, '--', definition.command, ...(definition.args ?? [])], { cwd, env });
    // No problem matchers, said outright: VS Code then does not offer to scan the output for problems.
    return new vscode.Task(definition, folder, name, TASK_TYPE, execution, []);
  }

  /** The shipped Python client first, then whatever the program had: `import faultguard` finds ours. */
  private pythonPath(existing: string | undefined): string {
    return existing ? `${this.shipped.pythonClient}:${existing}` : this.shipped.pythonClient;
  }
}

/**
 * The Python interpreter the user chose for `folder`: the Python extension's (when it is
 * installed), else the setting faultguard.pythonInterpreter, else `python3` on PATH.
 */
export async function pythonInterpreter(folder: vscode.WorkspaceFolder | undefined): Promise<string> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension) {
    try {
      const api = extension.isActive ? extension.exports : await extension.activate();
      const chosen = api.environments?.getActiveEnvironmentPath(folder?.uri);
      if (chosen?.path) return (await api.environments?.resolveEnvironment(chosen))?.executable.uri?.fsPath ?? chosen.path;
    } catch {
      // An extension that fails to answer leaves the choice to the setting.
    }
  }
  return pythonInterpreterSetting(folder) || 'python3';
}

/** The part of the Python extension's API (its `environments`) read here. */
interface PythonExtensionApi {
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly path: string } | undefined;
    resolveEnvironment(environment: { readonly path: string }): Promise<{ readonly executable: { readonly uri?: vscode.Uri } } | undefined>;
  };
}
