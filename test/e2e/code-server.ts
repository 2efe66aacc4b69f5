// A real VS Code for the tests: code-server (test/e2e/install.sh installs it) on a free loopback
// port, with a fresh user-data dir and the packaged extension installed the way a user would.
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createServer } from 'node:net';
import { ROOT, launch, run, temporaryDirectory, type Running } from '../helpers/processes';
import { within } from './deadline';
import { stopTree } from './process-tree';

export interface CodeServer {
  /** The workbench on `folder`; `payload` adds the workbench's development options (name, value). */
  url(folder: string, payload?: ReadonlyArray<readonly [string, string]>): string;
  /** A path on the server as the workbench names it (the extension host runs "remotely", on it). */
  remoteUri(path: string): string;
  /** What the server has printed, for failure messages. */
  log(): string;
  /** Kills the server and everything it started, and removes its user-data dir. */
  stop(): Promise<void>;
}

function codeServerBinary(): string {
  const binary = process.env.FAULTGUARD_CODE_SERVER;
  assert.ok(binary, 'FAULTGUARD_CODE_SERVER is not set: run the editor tests with `npm run test:e2e`');
  return binary;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

// No gallery: the workbench would otherwise ask open-vsx.org, which this network does not reach.
const serverEnvironment = { ...process.env, EXTENSIONS_GALLERY: '{}' };

const SETTINGS = {
  // A user who has been here before: no welcome page taking the first editor and the keyboard.
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  // Opening a .js file would otherwise start TypeScript's typings installer, an `npm install` of
  // @types packages in a process of its own that outlives the server.
  'typescript.disableAutomaticTypeAcquisition': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
};

export interface ServerOptions {
  /** The server's environment over the tests' own (its extension hosts and terminals inherit it). */
  readonly env?: Readonly<Record<string, string>>;
  /** Folders of more extensions (a package.json and its files) to install beside the .vsix, packaged with vsce. */
  readonly extensions?: readonly string[];
}

/** A folder's extension packaged as a .vsix in `into`, as vsce packages ours. */
async function packaged(folder: string, into: string): Promise<string> {
  const vsix = join(into, `${basename(folder)}.vsix`);
  const vsce = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = await run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: folder, deadlineMs: 120_000 });
  assert.equal(result.code, 0, `vsce package in ${folder}:\n${result.stdout}${result.stderr}`);
  return vsix;
}

/** Starts code-server with `vsix` installed (if given) and waits until it listens. */
export async function startCodeServer(vsix?: string, options: ServerOptions = {}): Promise<CodeServer & { readonly data: string }> {
  const binary = codeServerBinary();
  const data = temporaryDirectory('faultguard-e2e-vscode-');
  // The trash of the service's Discard (freedesktop.org's, under XDG_DATA_HOME): the test's own, not the machine's.
  const environment = { ...serverEnvironment, XDG_DATA_HOME: join(data.path, 'xdg-data'), ...options.env };
  const dirs = ['--user-data-dir', data.path, '--extensions-dir', join(data.path, 'extensions')];
  const packages = [...(vsix ? [vsix] : []), ...(await Promise.all((options.extensions ?? []).map((folder) => packaged(folder, data.path))))];
  if (packages.length > 0) {
    const installed = await run(process.execPath, [realpathSync(binary), ...dirs, ...packages.flatMap((path) => ['--install-extension', path])], { env: environment, deadlineMs: 120_000 });
    if (installed.code !== 0 || !/was successfully installed/.test(installed.stdout)) {
      data.remove();
      assert.fail(`code-server --install-extension ${packages.join(' ')} failed (${installed.code ?? installed.signal}):\n${installed.stdout}${installed.stderr}`);
    }
  }
  mkdirSync(join(data.path, 'User'), { recursive: true });
  writeFileSync(join(data.path, 'User', 'settings.json'), JSON.stringify(SETTINGS));
  const port = await freePort();
  const args = ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...dirs, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];
  // The deadline is a safety net only: stop() ends the server long before.
  // By this Node, not through the script's `#!/usr/bin/env node`: a test may give the server a PATH without node.
  const server: Running = launch(process.execPath, [realpathSync(binary), ...args], { env: environment, deadlineMs: 30 * 60_000 });
  const stop = async () => {
    await stopTree(server.pid);
    data.remove();
  };
  try {
    await within(server.waitForLine(/HTTP server listening on/), 60_000, () => `code-server to listen; it printed:\n${server.output()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: (folder, payload) => {
      // A .code-workspace file opens as a (multi-root) workspace, anything else as a folder.
      const query = new URLSearchParams(folder.endsWith('.code-workspace') ? { workspace: folder } : { folder });
      if (payload) query.set('payload', JSON.stringify(payload));
      return `http://localhost:${port}/?${query}`;
    },
    remoteUri: (path) => `vscode-remote://localhost:${port}${path}`,
    log: () => server.output(),
    stop,
    data: data.path,
  };
}
