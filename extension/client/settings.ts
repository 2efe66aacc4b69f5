import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import type { ServiceSettings } from '@faultguard/protocol/recovery-service';

const SECTION = 'faultguard';
const MIB = 1024 * 1024;

/** The folders to watch: each workspace folder's `faultguard.autosaveFolders`, made absolute. */
export function autosaveFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).flatMap((workspaceFolder) => foldersOf(workspaceFolder));
}

/** A workspace folder's autosave folders; the first is where guarded runs started here save. */
export function foldersOf(workspaceFolder: vscode.WorkspaceFolder): string[] {
  if (workspaceFolder.uri.scheme !== 'file') return []; // the service reads local files only
  const configured = vscode.workspace.getConfiguration(SECTION, workspaceFolder).get<string[]>('autosaveFolders', []);
  return configured
    .filter((folder) => typeof folder === 'string' && folder.trim() !== '')
    .map((folder) => (folder === '~' || folder.startsWith('~/') ? join(homedir(), folder.slice(1)) : folder))
    .map((folder) => (isAbsolute(folder) ? folder : join(workspaceFolder.uri.fsPath, folder)));
}

export function serviceSettings(): ServiceSettings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const staleAfter = config.get<number | null>('staleAfterSeconds', null);
  return {
    folders: autosaveFolders(),
    ...(typeof staleAfter === 'number' && staleAfter > 0 && { staleAfterSeconds: staleAfter }),
    maxInspectedBytes: Math.max(1, config.get<number>('maxInspectedSizeMB', 1024)) * MIB,
  };
}

export function showNotifications(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('showNotifications', true);
}

/** Whether a change of configuration concerns what the service watches or how it reads. */
export function affectsService(event: vscode.ConfigurationChangeEvent): boolean {
  return ['autosaveFolders', 'staleAfterSeconds', 'maxInspectedSizeMB'].some((name) => event.affectsConfiguration(`${SECTION}.${name}`));
}

/** Where recoveries go unless the user picks another folder: out of the workspace (its root is for the project's files). */
export function recoveryFolder(): string {
  const configured = vscode.workspace.getConfiguration(SECTION).get<string>('recoveryFolder', '').trim();
  const folder = configured === '' ? join('~', 'Faultguard Recovered') : configured;
  return folder === '~' || folder.startsWith('~/') ? join(homedir(), folder.slice(1)) : isAbsolute(folder) ? folder : join(homedir(), folder);
}

/** The interpreter setting for Python programs run under the guard (when the Python extension does not say): empty for none. */
export function pythonInterpreterSetting(scope: vscode.WorkspaceFolder | undefined): string {
  return vscode.workspace.getConfiguration(SECTION, scope).get<string>('pythonInterpreter', '').trim();
}
