// The Recovery view at scale, in code-server as a user works it: a multi-root workspace whose two
// folders ran the same script, a narrow side bar, a run's history, multi-select with the Delete
// key into the trash; a large value page by page, hex dumps, and a rescued file restored with undo.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { eventually } from '../helpers/processes';
import { editorSession } from './editor-session';
import { crashedRun, writeProgram } from './guarded-programs';

const session = editorSession('faultguard-e2e-scale-');
const { inWindow } = session;
const scratch = { path: session.scratch };

test('multi-root: runs grouped by workspace folder, named by their script in a narrow side bar; history; two selected runs to the trash with the Delete key', async () => {
  const alpha = join(scratch.path, 'alpha');
  const beta = join(scratch.path, 'beta');
  const earlier = await crashedRun(alpha, writeProgram(join(alpha, 'src'), 'hello.js', { job: { step: 1 } }, 'wait'), 'SIGSEGV');
  const newest = await crashedRun(alpha, writeProgram(join(alpha, 'src'), 'hello.js', { job: { step: 2 } }, 'wait'), 'SIGTERM');
  await crashedRun(beta, writeProgram(join(beta, 'src'), 'hello.js', { job: { step: 9 } }, 'wait'), 'SIGSEGV');
  const workspace = join(scratch.path, 'both.code-workspace');
  writeFileSync(workspace, JSON.stringify({ folders: [{ path: alpha }, { path: beta }] }));

  await inWindow(workspace, async (workbench) => {
    await workbench.openRecoveryView();
    // Runs all of one group hang from their folder, which says which group: one level less to indent.
    await workbench.waitForRow(/^\s*alpha\s*2 crashed/, 'the folder alpha with its two crashed runs');
    await workbench.waitForRow(/^\s*beta\s*1 crashed/, 'the folder beta with its crashed run');
    await workbench.visible(workbench.page.locator('.statusbar-item', { hasText: '3 crashed runs' }), 'the status bar item, in words');
    await workbench.sideBarWidth(170);
    const rows = workbench.row(/hello\.js\s*SIG/);
    await eventually(async () => assert.equal(await rows.count(), 3), 30_000);
    for (const text of await rows.allInnerTexts()) assert.match(text.trim(), /^hello\.js\s*SIG(SEGV|TERM) ·/, 'the script and the reason lead');
    // The reason is drawn inside the narrow side bar, not cut off at its edge.
    const sideBar = (await workbench.page.locator('.part.sidebar').boundingBox())!;
    const reason = (await rows.first().locator('.label-description').boundingBox())!;
    assert.ok(reason.x + 40 < sideBar.x + sideBar.width, `the reason starts at ${reason.x}, inside the ${sideBar.width} px side bar`);
    await workbench.screenshot('5-multi-root-narrow');

    // The newest run's history: the earlier run of the same program, its value compared with this one's.
    const newestRow = workbench.row(/hello\.js\s*SIGTERM/);
    await newestRow.click();
    await (await workbench.waitForRow(/^\s*History/, 'the run\'s history')).click();
    const earlierRun = await workbench.waitForRow(/hello\.js \d\d:\d\d:\d\d\s*SIGSEGV/, 'the earlier run of hello.js in the history');
    await earlierRun.click();
    const earlierValue = workbench.row(/job\s*json/).nth(1);
    await workbench.visible(earlierValue, 'the earlier run\'s value');
    await workbench.rowMenu(earlierValue, 'Compare with Newest Save');
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: '↔' }), 'the comparison of the two saves');
    await workbench.editorShows(/"step": 1/, 'the earlier value in the comparison');
    await workbench.screenshot('5-history-compared');
    await workbench.page.keyboard.press('Control+W');

    // Both runs of alpha selected, then Delete: one confirmation, whose default keeps them.
    await workbench.sideBarWidth(320);
    await newestRow.click(); // collapsed again
    await workbench.selectRows([workbench.row(/hello\.js\s*SIGTERM/), workbench.row(/hello\.js\s*SIGSEGV/).first()]);
    await workbench.page.keyboard.press('Delete');
    assert.match(await workbench.page.locator('.monaco-dialog-box').innerText(), /Move the autosaves of 2 runs to the trash\?[\s\S]*2 of them not recovered/);
    assert.equal(await workbench.focusedDialogButton(), 'Keep', 'Enter keeps the runs');
    await workbench.screenshot('5-discard-two');
    await workbench.pressDialogButton('Move to Trash');
    await eventually(() => assert.deepEqual([existsSync(earlier), existsSync(newest)], [false, false], 'both autosaves moved'), 30_000);
    const trashed = readdirSync(join(session.server().data, 'xdg-data', 'Trash', 'files'));
    for (const file of [earlier, newest]) assert.ok(trashed.includes(basename(file)), `${basename(file)} in the trash (${trashed.join(', ')})`);
    await workbench.gone(workbench.row(/^\s*alpha/), 'the folder alpha, now without runs');
    await workbench.waitForRow(/^\s*beta\s*1 crashed/, 'the folder beta, untouched');
  });
});

test('values: a large JSON value page by page with a notice at the top, a hex dump in its own language, a rescued file restored and undone', async () => {
  const workspace = join(scratch.path, 'values');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'notes.md'), 'original line\n');
  const big = Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`entry-${i}`, { index: i, text: 'some words to make it large' }]));
  const blob = Array.from({ length: 512 }, (_, i) => (i * 37) % 256);
  await crashedRun(workspace, writeProgram(workspace, 'editor.js', { 'notes.md': 'rescued line\n', big }, 'wait', { blob }), 'SIGSEGV');

  await inWindow(workspace, async (workbench) => {
    await workbench.openRecoveryView();
    await (await workbench.waitForRow(/editor\.js\s*SIGSEGV/, 'the crashed run')).click();

    await (await workbench.waitForRow(/big\s*json · \d/, 'the large value')).click();
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: /big · editor\.js \d\d:\d\d:\d\d/ }), 'the tab, named after the value and its run');
    await workbench.editorShows(/^\/\/ Page 1 of \d+: bytes 0 B to 256 KiB of [\d.]+ MiB \(json\)/, 'the notice at the top of the first page');
    await workbench.editorShows(/"entry-0": \{\s+"index": 0,/, 'the page, pretty-printed');
    await workbench.screenshot('6-large-value-page-1');
    await (await workbench.visible(workbench.page.locator('.codelens-decoration a', { hasText: 'Next Page' }), 'the Next Page lens')).click();
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: 'page 2' }), 'the second page');
    await workbench.editorShows(/^\/\/ Page 2 of \d+: bytes 256 KiB to /, 'the notice of the second page');
    await workbench.screenshot('6-large-value-page-2');

    await (await workbench.waitForRow(/blob\s*bytes/, 'the bytes value')).click();
    await workbench.editorShows(/00000000  00 25 4a 6f/, 'the hex dump');
    await workbench.visible(workbench.page.locator('.statusbar-item', { hasText: 'Hex Dump (Faultguard)' }), 'the hex dump\'s own language');
    await workbench.screenshot('6-hex-dump');

    const notes = await workbench.waitForRow(/notes\.md\s*json/, 'the value that is a workspace file\'s text');
    await workbench.rowMenu(notes, 'Restore to File');
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: '↔' }), 'the comparison before restoring');
    await workbench.pressDialogButton('Restore');
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: /^notes\.md$/ }), 'the editor of notes.md');
    await workbench.editorShows(/rescued line/, 'the rescued text in notes.md');
    await workbench.screenshot('6-restored');
    await workbench.page.keyboard.press('Control+Z');
    await workbench.editorShows(/original line/, 'the text before, after Undo');
  });
});
