// The extension inside a real VS Code (extension host + mocha), for contributors with VS Code
// desktop (`npx vscode-test`) and for the code-server run. The workspace holds the autosave of a
// real run that really crashed, made in suiteSetup with the CLI that the extension ships.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FaultguardApi } from '../client/extension';
import { valueUri } from '../client/value-uri';

const EXTENSION_ID = 'faultguard.faultguard';

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

suite('Faultguard recovery', () => {
  let api: FaultguardApi;

  suiteSetup(async function () {
    this.timeout(60_000);
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'the test opens a workspace folder');
    const extension = vscode.extensions.getExtension<FaultguardApi>(EXTENSION_ID)!;
    const cli = join(extension.extensionPath, 'extension', 'dist', 'faultguard.js');
    // The TypeScript client of this repository (the tests run from its out/ folder).
    const client = join(__dirname, '..', '..', 'runtime', 'dist', 'index.js');
    // A real guarded program that stores a value and ends with a real SIGABRT.
    const program = "require(process.env.FAULTGUARD_CLIENT).connect().set('notes', {text:'rescued'}); process.abort()";
    const result = spawnSync('node', [cli, 'run', '--autosave', join(workspace, '.faultguard') + '/', '--', 'node', '-e', program], { env: { ...process.env, FAULTGUARD_CLIENT: client } });
    assert.equal(result.signal ?? result.status, 'SIGABRT', String(result.stderr));
    api = await extension.activate();
  });

  test('every command the manifest contributes is registered, in the category Faultguard', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { commands: { command: string; category?: string }[] } };
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands;
    assert.ok(contributed.length > 0, 'the manifest contributes commands');
    assert.deepEqual(contributed.filter(({ command }) => !registered.has(command)).map(({ command }) => command), [], 'contributed but not registered');
    assert.deepEqual(contributed.filter(({ category }) => category !== 'Faultguard').map(({ command }) => command), [], 'outside the category');
  });

  test('the crashed run is listed with its reason, and its value opens pretty-printed', async () => {
    const run = await until('a crashed run', () => api.runs().find((r) => r.state === 'crashed'));
    assert.match(run.reason, /SIGABRT/);
    const document = await vscode.workspace.openTextDocument(valueUri({ file: run.file, title: 'test' }, 'notes'));
    assert.equal(document.getText(), '{\n  "text": "rescued"\n}\n');
  });
});
