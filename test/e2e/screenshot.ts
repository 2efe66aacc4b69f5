// `npm run screenshot`: the README's picture of the Recovery view (extension/media/recovery-view.png),
// taken of the packaged extension in code-server on a run that really crashed, beside a live one.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, temporaryDirectory } from '../helpers/processes';
import { cleanUp } from './clean-up';
import { startCodeServer, type CodeServer } from './code-server';
import { crashedRun, startGuardedRun, writeProgram, type GuardedRun } from './guarded-programs';
import { stopTree } from './process-tree';
import { Workbench, launchBrowser } from './workbench';

const TARGET = join(ROOT, 'extension', 'media', 'recovery-view.png');

async function main(): Promise<void> {
  const scratch = temporaryDirectory('faultguard-screenshot-');
  let live: GuardedRun | undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  try {
    const workspace = join(scratch.path, 'notes-app');
    const document = { title: 'Shopping list', text: 'eggs\nflour\nbutter', modified: '2026-11-22T10:41:07Z' };
    const editor = writeProgram(workspace, 'editor.js', { document, cursor: { line: 3, column: 7 }, 'recent files': ['todo.md', 'shopping.md'] }, 'wait');
    await crashedRun(workspace, editor, 'SIGSEGV');
    live = await startGuardedRun(workspace, writeProgram(workspace, 'sync.js', { queue: [] }, 'wait'));
    server = await startCodeServer(join(ROOT, 'faultguard.vsix'));
    browser = await launchBrowser();
    const workbench = await Workbench.open(browser, server, workspace);
    await workbench.notification(/"node editor\.js" crashed earlier \(SIGSEGV\)/, 'about the crash');
    await workbench.openRecoveryView();
    await workbench.waitForRow(/sync\.js\s*running/, 'the live run');
    await (await workbench.waitForRow(/editor\.js\s*SIGSEGV/, 'the crashed run')).click();
    await (await workbench.waitForRow(/document\s*json/, 'the key "document"')).click();
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: 'document' }), 'the value open in an editor');
    await workbench.page.screenshot({ path: TARGET });
    console.log(`wrote ${TARGET}`);
    // The same in the dark theme and in a narrow side bar, to look at (test-output/e2e/), not to ship.
    await workbench.runCommand('Preferences: Color Theme');
    await workbench.page.keyboard.type('Dark Modern', { delay: 20 });
    await workbench.page.keyboard.press('Enter');
    await workbench.visible(workbench.page.locator('.monaco-workbench.vs-dark'), 'the dark theme');
    console.log(`wrote ${await workbench.screenshot('screenshot-dark')}`);
    await workbench.sideBarWidth(170);
    console.log(`wrote ${await workbench.screenshot('screenshot-dark-narrow')}`);
  } finally {
    await cleanUp(
      () => browser?.close(),
      () => server?.stop(),
      () => live && stopTree(live.guard.pid),
      () => scratch.remove(),
    );
  }
}

main().catch((error: Error) => {
  console.error(error.stack);
  process.exitCode = 1;
});
