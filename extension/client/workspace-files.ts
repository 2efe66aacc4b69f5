import { statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';

/**
 * The workspace file whose text a value is, by its key (the convention README's "Restoring files"
 * documents): `file:<path>` or a `file://` URI says so outright; a key that is a path, absolute or
 * relative to the program's working folder, says so when that file exists. Only files inside a
 * workspace folder: restoring writes into the workspace, nowhere else.
 */
export function workspaceFileOf(key: string, cwd: string | undefined): vscode.Uri | undefined {
  const path = key.startsWith('file://') ? vscode.Uri.parse(key).fsPath : key.startsWith('file:') ? key.slice('file:'.length) : key;
  if (path === '' || path.includes('\0')) return undefined;
  const absolute = isAbsolute(path) ? path : cwd && join(cwd, path);
  if (!absolute) return undefined;
  const uri = vscode.Uri.file(absolute);
  if (!vscode.workspace.getWorkspaceFolder(uri)) return undefined;
  // The extension host's own disk: a stat, never a read of an autosave.
  return statSync(absolute, { throwIfNoEntry: false })?.isFile() ? uri : undefined;
}
