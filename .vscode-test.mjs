// Extension-host tests (mocha inside a real VS Code): `npx vscode-test`, after `npm run build`.
// @vscode/test-cli downloads VS Code desktop, which this project's CI machine cannot; there, npm test
// runs the same tests inside code-server (test/e2e/extension-host.e2e.ts, extension/test/index.ts).
import { defineConfig } from '@vscode/test-cli';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

// A fresh workspace each run, inside out/ (the build's own folder): the suite makes its autosave there.
const workspaceFolder = resolve('out/extension-test-workspace');
rmSync(workspaceFolder, { recursive: true, force: true });
mkdirSync(workspaceFolder, { recursive: true });

export default defineConfig({
  files: 'out/extension-tests/**/*.test.js',
  version: '1.100.0',
  workspaceFolder,
  mocha: { ui: 'tdd', timeout: 60_000 },
});
