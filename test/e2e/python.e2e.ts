// A Python developer's editor in code-server: no `node` on the editor's PATH (the guard then runs
// with the editor's own runtime), a virtual environment chosen as the interpreter, the shipped
// Python client on the program's PYTHONPATH, and a guarded debugpy launch stopping at a breakpoint.
// The Python extension cannot be installed here: a test extension contributes the `debugpy` debug
// type backed by Debian's python3-debugpy adapter, as the Python Debugger extension does with its own.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, eventually, run } from '../helpers/processes';
import { editorSession } from './editor-session';

const DEBUGPY_EXTENSION = join(ROOT, 'test', 'e2e', 'fixtures', 'faultguard-tests.debugpy-adapter-0.0.1');

/**
 * The environment of a machine where only Python is installed: a PATH with every program of
 * /usr/bin but node, and a login shell that keeps it (the server takes its extension hosts'
 * environment from the user's shell, whose profile would put /usr/bin back).
 */
function withoutNode(scratch: string): Record<string, string> {
  const bin = join(scratch, 'bin-without-node');
  mkdirSync(bin);
  for (const name of readdirSync('/usr/bin')) if (!/^node(js)?$/.test(name)) symlinkSync(join('/usr/bin', name), join(bin, name));
  const shell = join(scratch, 'shell-without-node');
  writeFileSync(shell, '#!/bin/sh\nexec /bin/bash --noprofile --norc "$@"\n', { mode: 0o755 });
  return { PATH: `${bin}:/usr/sbin:/sbin`, SHELL: shell };
}

const session = editorSession('faultguard-e2e-python-', (scratch) => ({ env: withoutNode(scratch), extensions: [DEBUGPY_EXTENSION] }));
const { inWindow } = session;

/** A workspace with a virtual environment chosen as the interpreter (the setting), and `app.py`. */
async function pythonWorkspace(name: string, program: string): Promise<string> {
  const workspace = join(session.scratch, name);
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  // With the system's site-packages: Debian's debugpy is split into packages (pydevd, bytecode…) that live
  // there, where the Python extension's own copy needs nothing from the environment. Faultguard is not among them.
  const venv = await run('/usr/bin/python3', ['-m', 'venv', '--without-pip', '--system-site-packages', join(workspace, '.venv')], { deadlineMs: 120_000 });
  assert.equal(venv.code, 0, venv.stderr);
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'faultguard.pythonInterpreter': join(workspace, '.venv', 'bin', 'python') }));
  writeFileSync(join(workspace, 'app.py'), program);
  return workspace;
}

test('a Python file run under the guard without Node on PATH: the venv interpreter, the shipped client, none of the editor\'s environment', async () => {
  const workspace = await pythonWorkspace(
    'run',
    [
      'import os, sys',
      'import faultguard  # the client the extension ships, found on PYTHONPATH',
      'data = faultguard.connect()',
      "data['draft'] = {'interpreter': sys.prefix, 'editor': [name for name in ('ELECTRON_RUN_AS_NODE', 'FAULTGUARD_EDITOR_RUNTIME') if name in os.environ]}",
      'os.abort()',
      '',
    ].join('\n'),
  );
  await inWindow(workspace, async (workbench) => {
    await workbench.openFile('app.py');
    await workbench.runCommand('Faultguard: Run Active File Under the Guard');
    await workbench.notification(/"python app\.py" crashed \(SIGABRT\); 1 value rescued/, 'about the crash of the Python run');
    await workbench.openRecoveryView();
    await (await workbench.waitForRow(/app\.py\s*SIGABRT ·/, 'the crashed Python run')).click();
    await (await workbench.waitForRow(/draft\s*json/, 'the key "draft"')).click();
    await workbench.editorShows(new RegExp(`"interpreter": "${join(workspace, '.venv')}"`), 'the program ran with the venv\'s interpreter');
    await workbench.editorShows(/"editor": \[\]/, 'no variable of the editor\'s runtime reached the program');
    await workbench.screenshot('7-python-run');
    await workbench.runCommand('Faultguard: Show Service Log');
    await workbench.visible(workbench.page.locator('.output-view .view-lines', { hasText: "guarded runs use the editor's own runtime" }), 'the log saying which runtime runs the guard');
  });
});

test('a guarded debugpy launch ("faultguard": true) stops at a breakpoint in the program, under the guard, and its crash is listed', async () => {
  // Without the adapter the launch ends silently (no session, no notification): say what is missing.
  const adapter = await run('/usr/bin/python3', ['-c', 'import debugpy.adapter'], { deadlineMs: 60_000 });
  assert.equal(adapter.code, 0, `Debian's debugpy adapter is not importable by /usr/bin/python3 (test/e2e/install.sh installs python3-debugpy): ${adapter.stderr.trim()}`);
  const workspace = await pythonWorkspace('debug', ['import os', 'import faultguard', 'data = faultguard.connect()', "data['state'] = 'before the breakpoint'", 'os.abort()  # line 5', ''].join('\n'));
  const launch = { type: 'debugpy', request: 'launch', name: 'app under the guard', program: '${workspaceFolder}/app.py', console: 'internalConsole', faultguard: true };
  writeFileSync(join(workspace, '.vscode', 'launch.json'), JSON.stringify({ version: '0.2.0', configurations: [launch] }));

  await inWindow(workspace, async (workbench) => {
    await workbench.openFile('app.py');
    // A click on line 5 puts the cursor there, F9 sets the breakpoint, as a user would; pressed again
    // only while no breakpoint shows (a window still loading its extensions takes no breakpoints yet).
    const line = await workbench.visible(workbench.page.locator('.editor-group-container.active .view-line', { hasText: 'os.abort()' }), 'line 5 of app.py');
    const breakpoint = workbench.page.locator('.editor-group-container.active .codicon-debug-breakpoint');
    await eventually(async () => {
      if ((await breakpoint.count()) === 0) {
        await line.click();
        await workbench.page.keyboard.press('F9');
      }
      await breakpoint.first().waitFor({ state: 'visible', timeout: 3_000 });
    }, 60_000);
    await workbench.startDebugging('app under the guard');
    await workbench.visible(workbench.page.locator('.debug-top-stack-frame-line, .debug-top-stack-frame'), 'the program stopped at the breakpoint');
    // The stopped program is the guard's child: debugpy attached to the program, the guard around it.
    const guarded = await eventually(() => {
      const all = processes();
      const guard = all.find(({ command }) => /faultguard\.js run --autosave .* -- \S*\.venv\/bin\/python .*--connect .*app\.py$/.test(command));
      assert.ok(guard, `the guard, running the program with debugpy: ${all.map(({ command }) => command).filter((command) => command.includes('app.py')).join(' | ')}`);
      const program = all.find(({ parent }) => parent === guard.pid);
      assert.ok(program, 'the guard\'s child');
      return program;
    }, 30_000);
    // The program itself, with the venv's interpreter, is what debugpy attached to (its --connect).
    assert.match(guarded.command, new RegExp(`^${join(workspace, '.venv', 'bin', 'python')} .*debugpy --connect .*app\\.py$`));
    await workbench.screenshot('7-python-debug-breakpoint');
    await workbench.page.keyboard.press('F5'); // continue: the program aborts
    await workbench.notification(/crashed \(SIGABRT\); 1 value rescued/, 'about the crash of the debugged program');
    await workbench.openRecoveryView();
    await workbench.waitForRow(/app\.py\s*SIGABRT ·/, 'the crashed run');
  });
});

/** Every process, with its parent and command line, from /proc. */
function processes(): { pid: number; parent: number; command: string }[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return [{ pid: Number(pid), parent, command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ') }];
      } catch {
        return [];
      }
    });
}
