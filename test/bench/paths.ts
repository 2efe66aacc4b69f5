import { join, resolve } from 'node:path';

// This code runs compiled, from out/test/bench/, next to the bench programs it starts.
const REPO_ROOT = resolve(__dirname, '../../..');
export const CLI = join(REPO_ROOT, 'runtime/dist/cli.js');
/** The CLI as users start it: the installed `faultguard` command. */
export const LAUNCHER = join(REPO_ROOT, 'runtime/bin/faultguard');
export const REPORT_PATH = join(REPO_ROOT, 'test-output/bench.json');

/** The compiled form of test/bench/<name>.ts. */
export function benchProgram(name: string): string {
  return join(__dirname, `${name}.js`);
}
