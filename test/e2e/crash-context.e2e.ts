// Why a run died, in a real VS Code (code-server): the crash context of a Node program that really
// threw under the real CLI (its error, its stack with frames that open the workspace file at their
// line), a supervised run's restarts as one run, and an autosave of a writer without crash context.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AutosaveHeader } from '@faultguard/protocol';
import { Corpus } from '../helpers/autosave-corpus';
import { CLI, ROOT, eventually, launch, run } from '../helpers/processes';
import { editorSession } from './editor-session';
import { autosaves } from './guarded-programs';
import { stopTree } from './process-tree';

const session = editorSession('faultguard-e2e-context-');
const { inWindow } = session;
const CLIENT = join(ROOT, 'runtime', 'dist', 'index.js');
/** The line of crash.js that throws. */
const THROWING_LINE = 5;

/** `<workspace>/crash.js`: stores a value, leaves a breadcrumb, and throws a TypeError at line 5, called through a module outside the workspace. */
function writeThrowingProgram(workspace: string, outside: string): void {
  mkdirSync(workspace, { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'helper.js'), 'exports.call = (fn) => fn();\n');
  writeFileSync(
    join(workspace, 'crash.js'),
    [
      `const data = require(${JSON.stringify(CLIENT)}).connect();`,
      `const helper = require(${JSON.stringify(join(outside, 'helper.js'))});`,
      "data.set('draft', 'Dear diary');",
      "function loadSettings(settings) {",
      '  return settings.load();', // THROWING_LINE
      '}',
      "data.breadcrumb('settings requested');",
      'helper.call(() => loadSettings({}));',
      '',
    ].join('\n'),
  );
}

/** Runs `node <script>` under the real CLI's guard with `options`, autosaving into the workspace; resolves once the guard has ended. */
async function guarded(workspace: string, script: string, options: readonly string[] = []) {
  return run(process.execPath, [CLI, 'run', ...options, '--autosave', `${join(workspace, '.faultguard')}/`, '--', 'node', script], { cwd: workspace, deadlineMs: 120_000 });
}

test('a Node program that threw: the notification says its error, the run shows why it died, a frame opens the file at its line, the report is a read-only document', async () => {
  const workspace = join(session.scratch, 'threw');
  writeThrowingProgram(workspace, join(session.scratch, 'lib'));
  const ended = await guarded(workspace, 'crash.js');
  assert.equal(ended.code, 1, `the guard ends like its program: ${ended.stderr}`);
  assert.match(ended.stderr, /TypeError: settings\.load is not a function/);

  await inWindow(workspace, async (workbench) => {
    await workbench.notification('"node crash.js" crashed earlier: TypeError: settings.load is not a function; 1 value rescued', 'with the error message');
    await workbench.screenshot('5-error-notification');
    await workbench.openRecoveryView();
    await (await workbench.waitForRow(/crash\.js\s*TypeError \(exit 1\) ·/, 'the run, by its error\'s type')).click();
    await workbench.waitForRow(/Why it died/, 'the crash context under the run');
    await workbench.waitForRow(/Error\s*TypeError: settings\.load is not a function \(uncaught exception\)/, 'the error and its kind');
    await workbench.waitForRow(/Stderr/, 'the last output');
    await workbench.waitForRow(/Trail/, 'the breadcrumbs');
    const frame = await workbench.waitForRow(new RegExp(`loadSettings\\s*crash\\.js:${THROWING_LINE}`), 'the throwing frame');
    await workbench.waitForRow(/call\s*helper\.js:1/, 'a frame of a file outside the workspace, shown');
    await workbench.screenshot('5-why-it-died');

    // A frame outside the workspace leads nowhere: no editor opens.
    await (await workbench.waitForRow(/call\s*helper\.js:1/, 'the outside frame')).click();
    await frame.click();
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: 'crash.js' }), 'crash.js opened by its frame');
    await eventually(async () => {
      assert.equal(await workbench.page.locator('[id="status.editor.mode"]').innerText(), 'JavaScript');
      assert.match(await workbench.page.locator('[id="status.editor.selection"]').innerText(), new RegExp(`^Ln ${THROWING_LINE}, Col 19\\b`));
    }, 60_000);
    assert.equal(await workbench.page.locator('.tabs-container .tab', { hasText: 'helper.js' }).count(), 0, 'the frame outside the workspace opened nothing');
    await workbench.screenshot('5-frame-opened');

    await workbench.rowAction(await workbench.waitForRow(/Why it died/, 'the crash context'), 'Show Why It Died');
    await workbench.visible(workbench.page.locator('.tabs-container .tab.active', { hasText: 'why it died' }), 'the crash report\'s tab');
    await workbench.editorShows(/Why it died[\s\S]*Error {4}TypeError: settings\.load is not a function \(uncaught exception\)[\s\S]*Stack {4}at loadSettings/, 'the whole crash report');
    await workbench.page.keyboard.type('x');
    await workbench.visible(workbench.page.locator('.monaco-editor-overlaymessage', { hasText: /read-only|Cannot edit/i }), 'that the report cannot be edited');
    await workbench.screenshot('5-crash-report');
    // Its frames in workspace files are links; helper.js, outside the workspace, is none. (The editor draws a long link in pieces: their text joined.)
    const links = workbench.page.locator('.editor-group-container.active .monaco-editor .detected-link');
    await eventually(async () => assert.match((await links.allInnerTexts()).join(''), /threw\/crash\.js:8:19/), 60_000);
    assert.doesNotMatch((await links.allInnerTexts()).join(''), /helper\.js/, 'no link to a file outside the workspace');
    // Opened as from the keyboard: the cursor on the caller's frame (line 8 of the report), then Open Link.
    await workbench.page.keyboard.press('Control+g');
    await workbench.page.keyboard.type('8:30', { delay: 20 });
    await workbench.page.keyboard.press('Enter');
    await workbench.runCommand('Open Link');
    // crash.js itself (JavaScript, not the plain-text report, whose tab names crash.js too), at the frame's line and column.
    await eventually(async () => {
      assert.equal(await workbench.page.locator('[id="status.editor.mode"]').innerText(), 'JavaScript');
      assert.match(await workbench.page.locator('[id="status.editor.selection"]').innerText(), /^Ln 8, Col 19\b/);
    }, 60_000);
    await workbench.screenshot('5-link-opened');

    await workbench.sideBarWidth(220);
    await workbench.waitForRow(/loadSettings\s*crash\.js:5/, 'the frame, in a narrow side bar');
    await workbench.screenshot('5-why-it-died-narrow');
  });
});

test('a supervised run is one run with its restarts; between two starts it is restarting, not crashed', async () => {
  const workspace = join(session.scratch, 'supervised');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(
    join(workspace, 'flaky.js'),
    [
      `const data = require(${JSON.stringify(CLIENT)}).connect();`,
      "const starts = (data.get('starts') ?? 0) + 1;",
      "data.set('starts', starts);",
      'throw new Error(`start ${starts} failed`);',
      '',
    ].join('\n'),
  );
  const ended = await guarded(workspace, 'flaky.js', ['--restart', 'on-failure', '--max-restarts', '2', '--backoff', '0.1']);
  assert.equal(ended.code, 1, ended.stderr);
  assert.equal(autosaves(workspace).length, 1, 'one autosave follows the run across restarts');

  const pendingWorkspace = join(session.scratch, 'pending');
  mkdirSync(pendingWorkspace, { recursive: true });
  writeFileSync(join(pendingWorkspace, 'flaky.js'), readFileSync(join(workspace, 'flaky.js')));
  // A backoff no test outlasts: the guard waits, its autosave saying a restart is pending, until it is stopped.
  const waiting = launch(process.execPath, [CLI, 'run', '--restart', 'on-failure', '--backoff', '600,600', '--autosave', `${join(pendingWorkspace, '.faultguard')}/`, '--', 'node', 'flaky.js'], { cwd: pendingWorkspace, deadlineMs: 10 * 60_000 });
  try {
    await inWindow(workspace, async (workbench) => {
      await workbench.openRecoveryView();
      const row = await workbench.waitForRow(/flaky\.js\s*Error \(exit 1\) · restarted 2 times ·/, 'one row, with its restarts');
      await row.click();
      await (await workbench.waitForRow(/restarted 2 times\s*3 ends/, 'the history of ends')).click();
      await eventually(async () => assert.equal((await workbench.rowTexts()).filter((text) => /^exited with code 1/.test(text)).length, 3, `three ends listed: ${(await workbench.rowTexts()).join(' | ')}`), 60_000);
      await workbench.screenshot('6-restarted-run');
    });
    await inWindow(pendingWorkspace, async (workbench) => {
      await workbench.openRecoveryView();
      await workbench.waitForRow(/Running\s*1/, 'the run waiting for its restart, among the running');
      await workbench.waitForRow(/flaky\.js\s*restarting after Error \(exit 1\)/, 'the run waiting for its restart');
      assert.equal(await workbench.row(/Crashed/).count(), 0, 'not shown as crashed');
      await workbench.screenshot('6-restart-pending');
      waiting.kill('SIGTERM'); // stops the backoff: that end is the last
      await workbench.waitForRow(/Crashed\s*1/, 'the run, crashed once its guard gave up waiting');
      await workbench.waitForRow(/flaky\.js\s*Error \(exit 1\) ·/, 'the run, ended');
    });
  } finally {
    await stopTree(waiting.pid);
  }
});

test('an autosave of a writer that records no crash context still reads: its row, its values, no "Why it died"', async () => {
  const source = join(session.scratch, 'source');
  writeThrowingProgram(source, join(session.scratch, 'lib'));
  await guarded(source, 'crash.js');
  const [file] = autosaves(source);
  const corpus = new Corpus(readFileSync(file));
  assert.ok(corpus.header.context, 'the run had a crash context to leave out');
  const workspace = join(session.scratch, 'without-context');
  mkdirSync(join(workspace, '.faultguard'), { recursive: true });
  writeFileSync(join(workspace, '.faultguard', 'old.fgsave'), corpus.withHeader((header) => delete (header as { context?: AutosaveHeader['context'] }).context));
  assert.equal(new Corpus(readFileSync(join(workspace, '.faultguard', 'old.fgsave'))).header.context, undefined, 'a header without context');

  await inWindow(workspace, async (workbench) => {
    await workbench.notification('"node crash.js" crashed earlier (exit code 1); 1 value rescued', 'in the words of a run without context');
    await workbench.openRecoveryView();
    await (await workbench.waitForRow(/crash\.js\s*exit 1 ·/, 'the run, by its exit status')).click();
    await (await workbench.waitForRow(/draft\s*json/, 'its value')).click();
    await workbench.editorShows(/Dear diary/, 'the value');
    assert.equal(await workbench.row(/Why it died/).count(), 0, 'no crash context to show');
    assert.equal(await workbench.row(/restarted/).count(), 0, 'no history of ends for a run that was never restarted');
    await workbench.screenshot('7-without-context');
  });
});
