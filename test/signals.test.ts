import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLI, fixture, launch } from './helpers/processes';

const guardedSignalApp = () => launch(process.execPath, [CLI, 'run', '--quiet', '--', process.execPath, fixture('signal-app')]);

test('signals sent to the guard reach the program, each exactly once, and the guard survives them', async () => {
  const app = guardedSignalApp();
  await app.waitForLine(/ready \d+ guarded=true/);
  const sent = ['SIGUSR1', 'SIGUSR2', 'SIGHUP', 'SIGWINCH', 'SIGQUIT', 'SIGINT'] as const;
  for (const signal of sent) {
    app.kill(signal);
    await app.waitForLine(new RegExp(`got ${signal}`));
  }
  const result = await app.finished;
  assert.match(result.stdout, new RegExp(`final ${sent.join(',')}\n`));
  assert.equal(result.code, 130, 'the guard exits with the program status');
});

test('SIGTERM to the guard stops the program, and the guard reports its status', async () => {
  const app = guardedSignalApp();
  await app.waitForLine(/ready/);
  app.kill('SIGTERM');
  const result = await app.finished;
  assert.match(result.stdout, /final SIGTERM\n/);
  assert.equal(result.code, 143);
});

test('a program without a client is guarded too: it gets the signal and the guard dies of the same one', async () => {
  const app = launch(process.execPath, [CLI, 'run', '--', 'sh', '-c', 'echo started; exec sleep 30']);
  await app.waitForLine(/started/);
  await new Promise((resolve) => setTimeout(resolve, 100)); // let sh exec sleep
  app.kill('SIGTERM');
  const result = await app.finished;
  assert.equal(result.signal, 'SIGTERM');
  assert.match(result.stderr, /sleep|sh/);
  assert.match(result.stderr, /terminated \(SIGTERM\); it had stored no data/);
});

test('Ctrl-C in a real terminal interrupts the program once, not the guard', async () => {
  // script(1) gives the guard a pseudo-terminal; byte 0x03 there is a real Ctrl-C: the terminal
  // driver sends SIGINT to the whole foreground process group, guard and program alike.
  const command = `${process.execPath} ${CLI} run --quiet -- ${process.execPath} ${fixture('signal-app')}`;
  const terminal = launch('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  await terminal.waitForLine(/ready \d+ guarded=true/);
  terminal.write('\x03');
  const result = await terminal.finished;
  assert.equal(result.stdout.match(/got SIGINT/g)?.length, 1, `SIGINT delivered once; output: ${result.stdout}`);
  assert.match(result.stdout, /final SIGINT\r?\n/);
  assert.equal(result.code, 130, "script -e reports the guard's status, which is the program's");
});

test('signals sent to the guard during the rescue neither kill it nor cut the rescue short', async () => {
  const app = launch(process.execPath, [CLI, 'run', '--on-crash', 'echo rescuing; sleep 1; echo rescued', '--', 'sh', '-c', 'exit 3']);
  await app.waitForLine(/rescuing/);
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGUSR1', 'SIGINT'] as const) app.kill(signal);
  const result = await app.finished;
  assert.match(result.stdout, /rescued\n/);
  assert.equal(result.code, 3, `the guard still ends like the program; stderr: ${result.stderr}`);
});
