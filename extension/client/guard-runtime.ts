import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

/** The oldest Node.js the shipped CLI runs on (package.json's engines). */
const OLDEST = [20, 16];

/** How the shipped CLI is started: a program, and what it needs in its environment. */
export interface GuardRuntime {
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  /** For the log: which runtime, and why. */
  readonly description: string;
}

/**
 * The runtime for the guard: a `node` on PATH that is new enough, as a developer would expect;
 * else the editor's own (the extension host's executable: Node itself in code-server, Electron
 * told to act as Node by ELECTRON_RUN_AS_NODE in VS Code desktop), so that a Python developer
 * needs no Node of their own. The shipped CLI removes ELECTRON_RUN_AS_NODE and its marker from
 * its environment before it starts the program (extension/cli/faultguard.ts), so the program
 * gets the environment it would have had.
 */
export async function findGuardRuntime(path = process.env.PATH ?? ''): Promise<GuardRuntime> {
  for (const folder of path.split(delimiter).filter(Boolean)) {
    const node = join(folder, 'node');
    if (!isExecutable(node)) continue;
    const version = await versionOf(node);
    if (version && newEnough(version)) return { command: node, env: {}, description: `${node} (Node.js ${version})` };
    return editorRuntime(`${node} is Node.js ${version ?? 'of an unknown version'}, older than ${OLDEST.join('.')}`);
  }
  return editorRuntime('no node on PATH');
}

function editorRuntime(why: string): GuardRuntime {
  const env: Record<string, string> = { FAULTGUARD_EDITOR_RUNTIME: '1', ...(process.versions.electron && { ELECTRON_RUN_AS_NODE: '1' }) };
  return { command: process.execPath, env, description: `the editor's own runtime ${process.execPath} (${why})` };
}

function isExecutable(path: string): boolean {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat !== undefined && stat.isFile() && (stat.mode & 0o111) !== 0;
}

async function versionOf(node: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)(node, ['--version'], { timeout: 10_000 });
    return /^v(\d+\.\d+\.\d+)/.exec(stdout.trim())?.[1];
  } catch {
    return undefined;
  }
}

function newEnough(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > OLDEST[0] || (major === OLDEST[0] && minor >= OLDEST[1]);
}

/**
 * A `faultguard` command for the editor's terminals and tasks (put on their PATH by the
 * extension): a shell script in `folder` that runs the shipped CLI with the guard's runtime.
 * Returns the folder to put on PATH.
 */
export function writeCliLauncher(folder: string, runtime: GuardRuntime, cli: string): string {
  mkdirSync(folder, { recursive: true });
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  const env = Object.entries(runtime.env).map(([name, value]) => `${name}=${quote(value)} `).join('');
  const script = join(folder, 'faultguard');
  writeFileSync(script, `#!/bin/sh\n# The Faultguard extension's CLI, run by ${runtime.description.replaceAll('\n', ' ')}.\n${env}exec ${quote(runtime.command)} ${quote(cli)} "$@"\n`);
  chmodSync(script, 0o755);
  return folder;
}
