// The editor end-to-end tests: the packaged extension in a real VS Code (code-server), driven
// through Chromium. Installs what they need (test/e2e/install.sh), packages the .vsix with
// `npm run package`, then runs out/test/e2e/*.e2e.js with Node's test runner, one file at a time.
// `node test/e2e/run.mjs screenshot` instead regenerates the README's screenshot.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// 4.100.x is the last code-server line that runs on Node 20.
const CODE_SERVER_VERSION = '4.100.3';

// Under ~/.cache/faultguard when that exists (a machine kept between runs), else in node_modules'
// cache folder (which vsce does not walk, and `npm ci` empties). Its native modules are built for
// this Node and machine: another of either gets an install of its own.
const cache = join(homedir(), '.cache', 'faultguard');
const tools = existsSync(cache) ? join(cache, 'e2e') : resolve('node_modules', '.cache', 'faultguard-e2e');
const prefix = join(tools, `code-server-${CODE_SERVER_VERSION}-node${process.versions.modules}-${process.arch}`);

/** Runs one step, killed (and failed) after `minutes`: a hung apt-get or npm must not hang CI. */
function step(what, minutes, command, args, env = process.env) {
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env, timeout: minutes * 60_000, killSignal: 'SIGKILL' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`e2e ${what}: ${seconds} s`);
  if (result.error?.code === 'ETIMEDOUT') throw new Error(`e2e ${what} timed out after ${minutes} min`);
  if (result.status !== 0) throw new Error(`e2e ${what} failed (${result.status ?? result.signal})`);
}

/**
 * Processes that still carry this run's environment (everything the tests started does: code-server,
 * its extension hosts, the recovery service, guarded programs, Chromium): there must be none.
 */
function leftovers(marker) {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .flatMap((pid) => {
      try {
        if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker)) return [];
        return [{ pid: Number(pid), command: readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').slice(0, 200) }];
      } catch {
        return []; // ended meanwhile, or not ours to read
      }
    });
}

function kill(pid) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ended meanwhile
  }
}

const started = Date.now();
// The guarded runs' journals go to a folder of their own, removed afterwards, as in the unit suite.
const journals = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'faultguard-e2e-'));
const env = {
  ...process.env,
  FAULTGUARD_CODE_SERVER: join(prefix, 'node_modules', '.bin', 'code-server'),
  FAULTGUARD_JOURNAL_DIR: join(journals, 'journals'),
};
// This run's screenshots only, so that what CI keeps is what this run saw.
rmSync('test-output/e2e', { recursive: true, force: true });
try {
  step('install', 20, 'bash', ['test/e2e/install.sh', prefix, CODE_SERVER_VERSION]);
  step('package', 5, 'npm', ['run', 'package', '--silent']);
  if (process.argv[2] === 'screenshot') {
    step('screenshot', 10, process.execPath, ['out/test/e2e/screenshot.js'], env);
  } else {
    const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['out/test/e2e/recovery.e2e.js', 'out/test/e2e/at-scale.e2e.js', 'out/test/e2e/python.e2e.js', 'out/test/e2e/crash-context.e2e.js', 'out/test/e2e/extension-host.e2e.js'];
    // Forced exit: a file whose cleanup failed ends anyway, and the check below names what it left.
    step('tests', 30, process.execPath, ['--test', '--test-force-exit', '--test-concurrency=1', '--test-reporter=spec', ...files], env);
  }
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
} finally {
  const left = leftovers(`FAULTGUARD_JOURNAL_DIR=${env.FAULTGUARD_JOURNAL_DIR}`);
  for (const { pid } of left) kill(pid);
  if (left.length > 0) {
    console.error(`e2e: the tests left processes behind (now killed):\n${left.map(({ pid, command }) => `${pid} ${command}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('e2e: no processes left behind');
  }
  rmSync(journals, { recursive: true, force: true });
  console.log(`e2e wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
