// The packaged extension in a real VS Code (code-server), driven through Chromium as a user would,
// on workspaces whose autosaves come from guarded programs really run and really killed.
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { eventually } from '../helpers/processes';
import { editorSession } from './editor-session';
import { autosaves, crashedRun, damageAutosave, killProgram, startGuardedRun, writeProgram } from './guarded-programs';
import { stopTree } from './process-tree';

const session = editorSession('faultguard-e2e-');
const { inWindow } = session;
const scratch = { path: session.scratch };

test('a run that crashed before the editor opened: announced, listed by its script with its signal and keys, opened, recovered into a named folder, discarded to the trash', async () => {
  const workspace = join(scratch.path, 'crashed-before');
  const program = writeProgram(workspace, 'app.js', { notes: { text: 'rescued notes' }, draft: 'Dear diary' }, 'wait');
  const autosave = await crashedRun(workspace, program, 'SIGSEGV');
  const into = join(scratch.path, 'recovered');
  mkdirSync(into);

  await inWindow(workspace, async (workbench) => {
    await workbench.notification('"node app.js" crashed earlier (SIGSEGV); 2 values rescued', 'about the run found crashed at start-up');
    await workbench.openRecoveryView();
    await workbench.waitForRow(/Crashed\s*1/, 'the Crashed group with one run');
    const run = await workbench.waitForRow(/app\.js\s*SIGSEGV ·/, 'the crashed run, by its script, with its signal');
    await run.click();
    await workbench.waitForRow(/notes\s*json · \d+ B/, 'the key "notes"');
    await workbench.waitForRow(/draft\s*json · \d+ B/, 'the key "draft"');
    await workbench.screenshot('1-crashed-before-the-editor');

    await (await workbench.waitForRow(/notes\s*json/, 'the key "notes"')).click();
    await workbench.editorShows(/"text": "rescued notes"/, 'the value of "notes", pretty-printed');
    await workbench.screenshot('1-value-open');

    await workbench.rowAction(run, 'Recover Run');
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input').first();
    await workbench.visible(input, 'the save dialog');
    // The default: a folder named after the program and its time, outside the workspace.
    await eventually(async () => assert.match(await input.inputValue(), /\/Faultguard Recovered\/app\.js \d{4}-\d\d-\d\d \d\d\.\d\d\.\d\d$/), 30_000);
    await workbench.screenshot('1-recover-default-folder');
    const folder = join(into, 'diary');
    await workbench.chooseSavePath(folder, 'OK'); // code-server's simple save dialog says OK whatever the save label
    const recovered = await workbench.notification(/Recovered 2 values into /, 'that the run was recovered');
    await workbench.visible(recovered.locator('.monaco-button', { hasText: 'Reveal' }), 'the Reveal button');
    await workbench.screenshot('1-recovered');
    assert.match(await recovered.innerText(), new RegExp(`Recovered 2 values into ${folder}\\.`));
    const index = JSON.parse(readFileSync(join(folder, 'index.json'), 'utf8')) as { key: string; file: string }[];
    const files = Object.fromEntries(index.map(({ key, file }) => [key, readFileSync(join(folder, file), 'utf8')]));
    assert.deepEqual(files, { notes: JSON.stringify({ text: 'rescued notes' }), draft: JSON.stringify('Dear diary') });

    await workbench.rowMenu(run, 'Discard Run');
    assert.equal(await workbench.focusedDialogButton(), 'Keep', 'the default button keeps the data');
    assert.match(await workbench.page.locator('.monaco-dialog-box').innerText(), /It was recovered into .*diary/);
    await workbench.screenshot('1-discard-dialog');
    await workbench.pressDialogButton('Move to Trash');
    await eventually(() => assert.equal(existsSync(autosave), false, `${autosave} is moved away`), 30_000);
    assert.ok(existsSync(join(session.server().data, 'xdg-data', 'Trash', 'files', basename(autosave))), 'the autosave is in the trash');
    assert.match(readFileSync(join(session.server().data, 'xdg-data', 'Trash', 'info', `${basename(autosave)}.trashinfo`), 'utf8'), new RegExp(`Path=${autosave}`));
    await workbench.gone(workbench.row(/app\.js/), 'the discarded run');
  });
});

test('a live guarded run is listed as running, and moves to Crashed when its program is killed, without a reload', async () => {
  const workspace = join(scratch.path, 'live');
  const program = writeProgram(workspace, 'server.js', { session: { user: 'ada' } }, 'wait');
  const run = await startGuardedRun(workspace, program);
  try {
    await inWindow(workspace, async (workbench) => {
      await workbench.openRecoveryView();
      await workbench.waitForRow(/Running\s*1/, 'the Running group with one run');
      await workbench.waitForRow(/server\.js\s*running · started/, 'the live run');
      await workbench.screenshot('2-running');

      await killProgram(run, 'SIGKILL');
      await workbench.notification('"node server.js" crashed (SIGKILL); 1 value rescued', 'about the crash');
      await workbench.waitForRow(/Crashed\s*1/, 'the Crashed group with one run');
      await workbench.waitForRow(/server\.js\s*SIGKILL ·/, 'the run, now crashed by SIGKILL');
      await workbench.visible(workbench.page.locator('.statusbar-item', { hasText: '1 crashed run' }), 'the status bar item, in words');
      await workbench.gone(workbench.row(/Running/), 'the Running group');
      await workbench.screenshot('2-crashed-while-open');
    });
  } finally {
    await stopTree(run.guard.pid); // only if the test failed before the kill
  }
});

test('a damaged autosave is an unreadable item with its error, and the rest of the view still works', async () => {
  const workspace = join(scratch.path, 'damaged');
  await crashedRun(workspace, writeProgram(workspace, 'app.js', { draft: 'still readable' }, 'wait'), 'SIGSEGV');
  const damaged = await crashedRun(workspace, writeProgram(workspace, 'other.js', { lost: 'to the damage' }, 'wait'), 'SIGTERM');
  damageAutosave(damaged);

  await inWindow(workspace, async (workbench) => {
    await workbench.openRecoveryView();
    await workbench.waitForRow(/Unreadable\s*1/, 'the Unreadable group with one file');
    const unreadable = await workbench.waitForRow(basename(damaged), 'the damaged file');
    assert.match(await unreadable.innerText(), /autosave header checksum mismatch/, 'the damaged file\'s row shows its error');
    const run = await workbench.waitForRow(/app\.js\s*SIGSEGV ·/, 'the readable crashed run');
    await run.click();
    await (await workbench.waitForRow(/draft\s*json/, 'the readable run\'s key')).click();
    await workbench.editorShows(/still readable/, 'the value of "draft"');
    await workbench.screenshot('3-unreadable');
  });
});

test('a guarded run started from VS Code ("Run Active File Under the Guard") that crashes is listed as crashed', async () => {
  const workspace = join(scratch.path, 'from-the-editor');
  writeProgram(workspace, 'crasher.js', { progress: { step: 3 } }, 'abort');

  await inWindow(workspace, async (workbench) => {
    await workbench.openFile('crasher.js');
    await workbench.runCommand('Faultguard: Run Active File Under the Guard');
    await workbench.notification('"node crasher.js" crashed (SIGABRT); 1 value rescued', 'about the crash of the run started here');
    await workbench.openRecoveryView();
    await workbench.waitForRow(/crasher\.js\s*SIGABRT ·/, 'the crashed run');
    await workbench.screenshot('4-run-from-the-editor');
    // The CLI the messages speak of is on the integrated terminal's PATH.
    await workbench.runCommand('Terminal: Create New Terminal');
    await workbench.visible(workbench.page.locator('.terminal-wrapper.active .xterm'), 'a terminal');
    await workbench.page.keyboard.type('faultguard --version > fg-version.txt\n', { delay: 20 });
    await eventually(() => assert.match(readFileSync(join(workspace, 'fg-version.txt'), 'utf8'), /^faultguard \d+\.\d+\.\d+/), 60_000);
    await workbench.screenshot('4-faultguard-in-the-terminal');
  });
  assert.equal(autosaves(workspace).length, 1, 'the run autosaved into the workspace\'s .faultguard/');
});

test('a guarded launch started from VS Code ("faultguard": true in launch.json) that crashes is listed as crashed', async () => {
  const workspace = join(scratch.path, 'launched');
  writeProgram(workspace, 'crasher.js', { progress: { step: 4 } }, 'abort');
  const launch = { type: 'node', request: 'launch', name: 'crasher under the guard', program: '${workspaceFolder}/crasher.js', faultguard: true };
  mkdirSync(join(workspace, '.vscode'));
  writeFileSync(join(workspace, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [launch] }));

  await inWindow(workspace, async (workbench) => {
    await workbench.openFile('crasher.js');
    await workbench.startDebugging('crasher under the guard');
    // js-debug runs the program as `node ./crasher.js`, and the view names a run by what it ran.
    await workbench.notification('"node ./crasher.js" crashed (SIGABRT); 1 value rescued', 'about the crash of the launch');
    await workbench.openRecoveryView(); // back from Run and Debug, where the launch took the side bar
    await (await workbench.waitForRow(/crasher\.js\s*SIGABRT ·/, 'the crashed run')).click();
    await (await workbench.waitForRow(/progress\s*json/, 'the key "progress"')).click();
    await workbench.editorShows(/"step": 4/, 'the value of "progress", pretty-printed');
    await workbench.screenshot('4-launched-from-the-editor');
  });
  assert.equal(autosaves(workspace).length, 1, 'the launch autosaved into the workspace\'s .faultguard/');
});
