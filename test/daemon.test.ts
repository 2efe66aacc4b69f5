import assert from 'node:assert/strict';
import { chmodSync, chownSync, closeSync, constants, existsSync, mkdirSync, readdirSync, openSync, readFileSync, readlinkSync, readSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readAutosave } from '@faultguard/runtime';
import { procStatFields } from '../runtime/src/process/proc-stat';
import { linux } from '../runtime/src/process/linux';
import { childrenOf, commandLineOf } from '../runtime/src/process/process-info';
import { killDaemon, pidInFile, processesMentioning, runs, trackDaemons } from './helpers/daemons';
import { CLI, eventually, fixture, run, temporaryDirectory } from './helpers/processes';

const started = trackDaemons(); // killed before their folder is removed
const dir = temporaryDirectory();
after(dir.remove);
let serial = 0;
const fresh = (name: string) => join(dir.path, `${serial++}-${name}`);
const env = { ...process.env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };

/** `prefix`: a command the CLI runs under (prlimit). */
type Options = { cwd?: string; env?: NodeJS.ProcessEnv; stdio?: Array<'pipe' | 'ignore' | number>; prefix?: string[] };

function faultguard(args: string[], options: Options = {}) {
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, CLI, ...args];
  return run(command, rest, { cwd: options.cwd, env: options.env ?? env, stdio: options.stdio });
}

/**
 * Core dumps are often off already (soft limit 0): for the daemon to have something to turn off,
 * it is started with the soft limit raised to the hard one, which needs no privilege. (Where the
 * hard limit is 0 as well, the test of that stage cannot fail.)
 */
const CORE_HARD_LIMIT = /^Max core file size\s+\S+\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? '0';
const WITH_CORES = CORE_HARD_LIMIT === '0' ? [] : ['prlimit', `--core=${CORE_HARD_LIMIT}`, '--'];

/** Starts a daemon and returns its PID (from the PID file), remembered for the clean-up. */
async function startDaemon(pidFile: string, args: string[], options: Options = {}): Promise<{ pid: number; stderr: string }> {
  const result = await faultguard(['run', '--daemon', '--pid-file', pidFile, ...args], options);
  assert.equal(result.code, 0, result.stderr);
  const pid = pidInFile(options.cwd ? join(options.cwd, pidFile) : pidFile);
  started.add(pid);
  return { pid, stderr: result.stderr };
}

/** The text of a file once it has `lines` lines (a daemon writes it in its own time). */
function linesOf(path: string, lines: number): Promise<string[]> {
  return eventually(() => {
    const all = readFileSync(path, 'utf8').split('\n');
    assert.ok(all.length > lines, `${path}: ${all.join('|')}`);
    return all.slice(0, lines);
  });
}

/** The daemon's program, once it has become `sleep` (the tests' programs end that way). */
function programOf(daemon: number): Promise<number> {
  return eventually(() => {
    const [program, ...others] = childrenOf(daemon);
    assert.equal(others.length, 0);
    assert.match(commandLineOf(program) ?? '', /sleep/);
    return program;
  });
}

/** Makes a shell take its time to end on SIGTERM, so that a stop that does not wait is seen. */
const SLOW_TO_STOP = 'trap "sleep 0.3; exit 0" TERM';
const LOOP = 'while :; do sleep 0.05; done';

const lockFileFor = (pid: number, startTime: string) => `${pid}\nstart-time=${startTime}\nboot-id=${linux.bootId()}\nhost=${hostname()}\nnonce=0123456789abcdef\n`;

test('a daemon outlives its parent, in a session of its own, with the umask, directory, stdio and descriptors asked for', async () => {
  const home = fresh('home');
  mkdirSync(join(home, 'work'), { recursive: true });
  const report = 'umask; pwd; echo to-stderr >&2; exec sleep 60';
  // The parent has descriptors 3, 4 and 40 to give (files, so that no pipe of ours stays open).
  // Node marks only low descriptors close-on-exec at start-up: 40 would go through any spawn.
  const [three, four, forty] = ['three', 'four', 'forty'].map((name) => openSync(join(home, name), 'w'));
  const { pid, stderr } = await startDaemon('app.pid', ['--cwd', 'work', '--umask', '027', '--stdout', 'out.log', '--stderr', 'err.log', '--keep-fd', '4', '--', 'sh', '-c', report], {
    cwd: home, // relative paths are taken from here
    stdio: Object.assign(Array<'pipe' | 'ignore' | number>(41).fill('ignore'), { 1: 'pipe', 2: 'pipe', 3: three, 4: four, 40: forty }),
    prefix: WITH_CORES,
  });
  for (const fd of [three, four, forty]) closeSync(fd);
  assert.match(stderr, new RegExp(`^faultguard: started as a daemon, PID ${pid} \\(PID file ${home}/app.pid\\)\\n$`));
  assert.ok(runs(pid), 'the daemon runs after its parent has exited');
  const [, , , session] = procStatFields(pid)!; // state, ppid, process group, session
  assert.equal(Number(session), pid, 'the daemon leads a session of its own');
  assert.deepEqual(await linesOf(join(home, 'out.log'), 2), ['0027', join(home, 'work')]);
  assert.equal(readFileSync(join(home, 'err.log'), 'utf8'), 'to-stderr\n');
  const program = await programOf(pid);
  const descriptors = Object.fromEntries(readdirSync(`/proc/${program}/fd`).map((fd) => [fd, readlinkSync(`/proc/${program}/fd/${fd}`)]));
  assert.deepEqual(descriptors, { 0: '/dev/null', 1: join(home, 'out.log'), 2: join(home, 'err.log'), 4: join(home, 'four') });
  assert.equal(readdirSync(`/proc/${pid}/fd`).filter((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')).length, 0, 'the start-up channel is closed');
  assert.match(readFileSync(`/proc/${pid}/limits`, 'utf8'), /^Max core file size\s+0\s+0\s/m, 'core dumps are off');
});

test('by default: umask 077, directory /, stdio on /dev/null; stop sends SIGTERM through the guard and the PID file is released', async () => {
  const pidFile = fresh('default.pid');
  const marker = fresh('marker');
  const { pid } = await startDaemon(pidFile, ['--', 'sh', '-c', `${SLOW_TO_STOP}; out=$(readlink /proc/$$/fd/1); { umask; pwd; echo "$out"; } > ${marker}; ${LOOP}`]);
  assert.deepEqual(await linesOf(marker, 3), ['0077', '/', '/dev/null']);
  const [program] = childrenOf(pid);
  const stop = await faultguard(['stop', '--pid-file', pidFile]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stderr, new RegExp(`^faultguard: stopped process ${pid} \\(.*cli.js run --daemon .*\\) in \\d+\\.\\d s\\n$`));
  assert.equal(runs(pid), false, 'the daemon has ended');
  assert.equal(runs(program), false, 'and its program');
  assert.equal(existsSync(pidFile), false, 'the PID file is released');
});

test('--stdout and --stderr may be a device or a FIFO that is read: opened blocking, as a program expects its output', async () => {
  const fifo = fresh('read.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const { pid } = await startDaemon(fresh('devices.pid'), ['--stdout', '/dev/null', '--stderr', fifo, '--', 'sh', '-c', 'echo to-the-fifo >&2; exec sleep 60']);
    const program = await programOf(pid);
    const flags = (fd: number) => parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${program}/fdinfo/${fd}`, 'utf8'))![1], 8);
    assert.equal(readlinkSync(`/proc/${program}/fd/1`), '/dev/null');
    for (const fd of [1, 2]) assert.equal(flags(fd) & constants.O_NONBLOCK, 0, `descriptor ${fd} blocks`);
    const text = await eventually(() => {
      const bytes = Buffer.alloc(64);
      return bytes.toString('utf8', 0, readSync(reader, bytes));
    });
    assert.equal(text, 'to-the-fifo\n');
  } finally {
    closeSync(reader);
  }
});

test('a second start is refused while the first runs, naming it; after kill -9 its stale lock is taken over', async () => {
  const pidFile = fresh('single.pid');
  const { pid: first } = await startDaemon(pidFile, ['--', 'sleep', '60']);
  const second = await faultguard(['run', '--daemon', '--pid-file', pidFile, '--', 'sleep', '60']);
  assert.equal(second.code, 125);
  assert.match(second.stderr, new RegExp(`^faultguard: ${pidFile} is held by process ${first} \\(.*cli.js run --daemon --pid-file ${pidFile} -- sleep 60\\), which is running\\n$`));
  assert.equal(pidInFile(pidFile), first);
  killDaemon(first); // guard and program, as a crash of the whole daemon would
  await eventually(() => assert.equal(runs(first), false));
  const { pid: third } = await startDaemon(pidFile, ['--', 'sleep', '60']);
  assert.notEqual(third, first);
  assert.ok(runs(third));
});

test('a PID file naming a recycled PID (a live process with another start time) does not stop a start', async () => {
  const pidFile = fresh('recycled.pid');
  writeFileSync(pidFile, lockFileFor(process.pid, '1'));
  const { pid } = await startDaemon(pidFile, ['--', 'sleep', '60']);
  assert.notEqual(pid, process.pid);
});

test('every start-up error reaches the parent: a non-zero status and the daemon\'s message, and nothing is left running', async () => {
  const held = fresh('held.pid');
  writeFileSync(held, lockFileFor(process.pid, procStatFields(process.pid)![19]));
  const notExecutable = fresh('not-executable');
  writeFileSync(notExecutable, '#!/bin/sh\n');
  // A folder that does not exist, under the test's own: a root-level path would be created by
  // whichever case (run as root) is allowed to create folders.
  const missing = fresh('missing');
  // Output paths a hostile user could plant: a link (to a file root would then append to) and a
  // FIFO that nothing reads (a plain open would wait for a reader for ever).
  const victim = fresh('victim.log');
  writeFileSync(victim, 'untouched\n');
  const linked = fresh('linked.log');
  symlinkSync(victim, linked);
  const fifo = fresh('unread.fifo');
  execFileSync('mkfifo', [fifo]);
  const cases: Array<[string[], number, RegExp]> = [
    [['--cwd', missing, '--', 'true'], 125, new RegExp(`^faultguard: cannot change to directory ${missing}: ENOENT$`)],
    [['--', 'no-such-command-xyz'], 127, /^faultguard: command not found: no-such-command-xyz$/],
    [['--', notExecutable], 126, /not-executable is not executable$/],
    [['--stdout', `${missing}/out.log`, '--', 'true'], 125, new RegExp(`^faultguard: cannot open ${missing}/out.log for the daemon's stdout: the folder above it does not exist$`)],
    [['--stdout', linked, '--', 'true'], 125, new RegExp(`^faultguard: cannot open ${linked} for the daemon's stdout: it is a symbolic link; not followed \\(give the file it points to\\)$`)],
    [['--stderr', fifo, '--', 'true'], 125, new RegExp(`^faultguard: cannot open ${fifo} for the daemon's stderr: it is a FIFO that nothing reads$`)],
    [['--user', 'no-such-user-xyz', '--', 'true'], 125, /^faultguard: cannot switch to user no-such-user-xyz: no such user$/],
    [['--autosave', `${missing}/run.fgsave`, '--', 'true'], 125, new RegExp(`^faultguard: autosave folder ${missing} does not exist$`)],
  ];
  await Promise.all(
    cases.map(async ([args, status, message]) => {
      const pidFile = fresh('failing.pid');
      const result = await faultguard(['run', '--daemon', '--pid-file', pidFile, ...args]);
      assert.equal(result.code, status, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr.trimEnd(), message);
      assert.equal(existsSync(pidFile), false, 'the PID file is released');
      assert.deepEqual(processesMentioning(pidFile), [], 'no daemon is left');
    }),
  );
  assert.equal(readFileSync(victim, 'utf8'), 'untouched\n');
  const refused = await faultguard(['run', '--daemon', '--pid-file', held, '--', 'true']);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, new RegExp(`is held by process ${process.pid} .*, which is running`));
  assert.equal(pidInFile(held), process.pid, 'a held lock is left alone');
});

test('bad usage is refused before anything starts (status 2)', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['run', '--daemon', '--', 'true'], /--daemon needs --pid-file/],
    [['run', '--pid-file', '/tmp/x.pid', '--', 'true'], /--pid-file needs --daemon/],
    [['run', '--cwd', '/', '--', 'true'], /--cwd needs --daemon/],
    [['run', '--daemon', '--pid-file', '/tmp/x.pid', '--umask', '0800', 'true'], /--umask needs an octal mask from 000 to 777, not "0800"/],
    [['run', '--daemon', '--pid-file', '/tmp/x.pid', '--keep-fd', '2', 'true'], /--keep-fd needs descriptor numbers from 3 to 1023/],
    [['stop'], /stop needs --pid-file/],
    [['stop', '--pid-file', '/tmp/x.pid', '--timeout', '-1'], /--timeout needs a number from 0 to 86400/],
  ];
  for (const [args, message] of cases) {
    const result = await faultguard(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
  const help = await faultguard(['stop', '--help']);
  assert.match(help.stdout, /^Usage: faultguard stop --pid-file <file> \[--timeout <seconds>\]/);
  assert.match((await faultguard(['run', '--help'])).stdout, /--daemon[\s\S]*--pid-file[\s\S]*--umask[\s\S]*--keep-fd/);
});

test('stop on a program that ignores SIGTERM gives up after the timeout, says so and how to force it', async () => {
  const pidFile = fresh('stubborn.pid');
  const trapped = fresh('trapped');
  const { pid } = await startDaemon(pidFile, ['--', 'sh', '-c', `trap "" TERM; touch ${trapped}; ${LOOP}`]);
  await eventually(() => assert.ok(existsSync(trapped)));
  const stop = await faultguard(['stop', '--pid-file', pidFile, '--timeout', '0.5']);
  assert.equal(stop.code, 1);
  assert.match(stop.stderr, new RegExp(`^faultguard: process ${pid} \\(.*\\) is still running 0.5 s after SIGTERM: it passed SIGTERM on; still running under it: (\\d+) \\(sh -c trap .*\\)\\. If that is its program ignoring SIGTERM \\(or needing longer\\), force it with kill -KILL \\1 `));
  assert.ok(runs(pid), 'nothing was killed');
  process.kill(Number(/kill -KILL (\d+)/.exec(stop.stderr)![1]), 'SIGKILL'); // as the message says
  await eventually(() => assert.equal(runs(pid), false), 5000);
  assert.equal(existsSync(pidFile), false, 'the guard ended and released the PID file');
});

test('stop with nothing to stop (no file, or its process gone) exits 3; a file that is no PID file 125', async () => {
  const missing = await faultguard(['stop', '--pid-file', fresh('missing.pid')]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /nothing to stop: there is no PID file/);
  const stale = fresh('stale.pid');
  writeFileSync(stale, lockFileFor(process.pid, '1'));
  const staleResult = await faultguard(['stop', '--pid-file', stale]);
  assert.equal(staleResult.code, 3);
  assert.match(staleResult.stderr, /which no longer runs \(process \d+ exited; its PID now belongs to another process\); the next start takes its lock over/);
  const garbage = fresh('garbage.pid');
  writeFileSync(garbage, 'hello\n');
  const garbageResult = await faultguard(['stop', '--pid-file', garbage]);
  assert.equal(garbageResult.code, 125);
  assert.match(garbageResult.stderr, /is not a PID file/);
});

test('hostile PID files: a FIFO never blocks, a link is not followed, and root signals only what root wrote', async () => {
  const fifo = fresh('fifo.pid');
  await run('mkfifo', [fifo]);
  const link = fresh('link.pid');
  symlinkSync(fresh('elsewhere.pid'), link);
  for (const path of [fifo, link]) {
    const stop = await faultguard(['stop', '--pid-file', path]);
    assert.equal(stop.code, 125, stop.stderr);
    assert.match(stop.stderr, new RegExp(`cannot read ${path}: (not a regular file: a FIFO|ELOOP)`));
    const start = await faultguard(['run', '--daemon', '--pid-file', path, '--', 'true']);
    assert.equal(start.code, 125, start.stderr);
  }
  const victim = await startDaemon(fresh('victim.pid'), ['--', '/bin/sleep', '60']);
  const forged = fresh('forged.pid');
  writeFileSync(forged, `${victim.pid}\n`);
  for (const [change, why] of [
    [() => chownSync(forged, 65534, 65534), /belongs to uid 65534, not to root or the user process \d+ runs as/],
    [() => (chownSync(forged, 0, 0), chmodSync(forged, 0o666)), /is writable by others \(mode 666\)/],
  ] as const) {
    if (process.getuid?.() !== 0) break; // only root can signal what others wrote; the kernel stops the rest
    change();
    const stop = await faultguard(['stop', '--pid-file', forged]);
    assert.equal(stop.code, 125, stop.stderr);
    assert.match(stop.stderr, why);
    assert.equal(procStatFields(victim.pid)?.[0] === 'Z', false, 'the daemon was not signalled');
  }
  writeFileSync(forged, '1\n');
  chmodSync(forged, 0o644);
  assert.match((await faultguard(['stop', '--pid-file', forged])).stderr, /not signalling process 1: .* names init/);
});

test('start-up checks before anything runs: a descriptor to keep that is not open, a PID file in a missing folder', async () => {
  const closedFd = await faultguard(['run', '--daemon', '--pid-file', fresh('fd.pid'), '--keep-fd', '97', '--', 'true']);
  assert.equal(closedFd.code, 2, closedFd.stderr);
  assert.match(closedFd.stderr, /descriptor 97 is to be kept open for the daemon, but it is not open/);
  const nowhere = join(fresh('absent'), 'x.pid');
  const noFolder = await faultguard(['run', '--daemon', '--pid-file', nowhere, '--', 'true']);
  assert.equal(noFolder.code, 125, noFolder.stderr);
  assert.match(noFolder.stderr, new RegExp(`cannot lock ${nowhere}: its folder does not exist`));
});

test('the daemon stays guarded: its crash is rescued by --on-crash and autosaved, then the PID file is released', async () => {
  const home = fresh('guarded');
  mkdirSync(join(home, 'saves'), { recursive: true });
  const rescued = join(home, 'rescued');
  await startDaemon('app.pid', ['--autosave', 'saves/', '--on-crash', `cp -r "$FAULTGUARD_RESCUE_DIR" ${rescued}`, '--', process.execPath, fixture('crash-app'), 'kill'], { cwd: home });
  await eventually(() => assert.equal(existsSync(join(home, 'app.pid')), false, 'released once the rescue is done'));
  assert.equal(readFileSync(join(rescued, 'text.json'), 'utf8'), '"héllo wörld"');
  const [save] = readdirSync(join(home, 'saves'));
  const autosave = await readAutosave(join(home, 'saves', save));
  assert.equal(autosave.header.exit?.signal, 'SIGKILL');
  assert.deepEqual(autosave.data.get('numbers'), [1, 2, 3]);
});

test('without prlimit the daemon starts anyway, and its parent says that core dumps stay on', async () => {
  const pidFile = fresh('cores.pid');
  const { pid, stderr } = await startDaemon(pidFile, ['--', '/bin/sleep', '60'], { env: { ...env, PATH: '/nonexistent' } });
  assert.match(stderr, /^faultguard: core dumps stay enabled for the daemon: prlimit \(util-linux\) is not installed\n/);
  assert.ok(runs(pid));
});

test('--user and --group: the daemon and its program run as that user (root only)', { skip: process.getuid?.() !== 0 && 'needs root' }, async () => {
  const shared = fresh('shared');
  mkdirSync(shared);
  chmodSync(dir.path, 0o711);
  chmodSync(shared, 0o777);
  const pidFile = join(shared, 'nobody.pid');
  const out = join(shared, 'ids');
  const { pid } = await startDaemon(pidFile, ['--user', 'nobody', '--group', '1', '--stdout', out, '--', 'sh', '-c', 'id -u; id -g; id -G; exec sleep 60'], {
    env: { ...env, FAULTGUARD_JOURNAL_DIR: join(shared, 'journals') },
    prefix: ['setpriv', '--groups', '0,4', '--'], // root with supplementary groups, to be dropped
  });
  const [uid, gid, groups] = await linesOf(out, 3);
  assert.equal(uid, '65534');
  assert.equal(gid, '1');
  assert.deepEqual(groups.split(' ').sort(), ['1', '65534'], 'the group asked for and the user\'s own, none of root\'s');
  assert.equal(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)?.[1], '65534', 'the guard too');
  const stop = await faultguard(['stop', '--pid-file', pidFile]);
  assert.equal(stop.code, 0, stop.stderr);
});
