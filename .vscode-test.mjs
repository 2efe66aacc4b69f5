// Extension-host tests (mocha inside a real VS Code): `npx vscode-test`, after `npm run build`.
// @vscode/test-cli downloads VS Code desktop, which this project's CI machine cannot: there the
// same tests run inside code-server (see README).
import { defineConfig } from '@vscode/test-cli';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default defineConfig({
  files: 'out/extension-tests/**/*.test.js',
  version: '1.100.0',
  workspaceFolder: mkdtempSync(join(tmpdir(), 'faultguard-ext-test-')),
  mocha: { ui: 'tdd', timeout: 60_000 },
});
