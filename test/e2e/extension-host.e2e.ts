// The extension-host test suite (extension/test, mocha inside VS Code) run inside code-server: the
// workbench URL's payload names this repository as the extension under development and
// out/extension-tests/index.js as the tests, as VS Code's own browser integration tests do. Both
// are remote URIs: the extension host runs on the server, and only the host whose scheme the
// tests' URI has runs them. The workbench reports the end through window.codeAutomationExit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { ROOT, temporaryDirectory } from '../helpers/processes';
import { cleanUp } from './clean-up';
import { startCodeServer, type CodeServer } from './code-server';
import { within } from './deadline';
import { launchBrowser } from './workbench';

const workspace = temporaryDirectory('faultguard-e2e-host-');
let server: CodeServer | undefined;
let browser: Browser | undefined;

after(() => cleanUp(() => browser?.close(), () => server?.stop(), () => workspace.remove()));

test('the extension-host tests pass inside code-server', async () => {
  server = await startCodeServer();
  browser = await launchBrowser();
  const page = await browser.newPage();
  const logged: string[] = [];
  page.on('console', (message) => logged.push(message.text()));
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => (exited = resolve));
  await page.exposeFunction('codeAutomationExit', (code: number) => exited(code));
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', server.remoteUri(ROOT)],
    ['extensionTestsPath', server.remoteUri(join(ROOT, 'out', 'extension-tests', 'index.js'))],
  ];
  await page.goto(server.url(workspace.path, payload));
  const code = await within(exit, 180_000, () => `the extension-host tests to end; the workbench logged:\n${logged.join('\n')}\ncode-server printed:\n${server?.log()}`);
  const summary = logged.map((line) => line.match(/extension-host tests: (\d+) passed, (\d+) failed/)).find((match) => match);
  const output = logged.filter((line) => !/^Failed to load resource/.test(line)).join('\n');
  assert.ok(summary, `the tests' summary line; the workbench logged:\n${output}`);
  console.log(summary[0]);
  assert.equal(code, 0, output);
  assert.ok(Number(summary[1]) > 0 && summary[2] === '0', output);
});
