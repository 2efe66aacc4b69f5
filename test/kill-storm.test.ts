import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, launch } from './helpers/processes';

const RUNS = 200;
const PARALLEL = 2;

/** Every other run also stores a 256 KiB payload per step: large records, written uncopied. */
const PAYLOAD_KIB = 256;

/**
 * One run: the counter stores i, then reports i on descriptor 3. We SIGKILL it at a random
 * moment; the rescued counter must be at least the last value it reported, since that value's
 * set() had returned.
 */
async function killAtRandom(run: number): Promise<{ acknowledged: number; rescued: number | null; payload?: number | null }> {
  const payloadKiB = run % 2 === 0 ? '0' : String(PAYLOAD_KIB);
  const app = launch(process.execPath, [fixture('counter-app'), '3', '-', payloadKiB], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const acks = collectAcks(app);
  const pid = await acks.pid;
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 120));
  process.kill(pid, 'SIGKILL');
  const result = await app.finished;
  assert.equal(result.signal, 'SIGKILL', `run ${run}: ${result.stderr}`);
  const rescued = /^rescued (\S+) (\S+)$/m.exec(result.stdout);
  assert.ok(rescued, `run ${run}: the rescue did not run; stderr: ${result.stderr}`);
  return { acknowledged: acks.last(), rescued: JSON.parse(rescued[1]), ...(payloadKiB === '0' ? {} : { payload: JSON.parse(rescued[2]) }) };
}

function collectAcks(app: ReturnType<typeof launch>): { pid: Promise<number>; last: () => number } {
  let text = '';
  let resolvePid: (pid: number) => void;
  const pid = new Promise<number>((resolve, reject) => {
    resolvePid = resolve;
    app.exited.then(() => reject(new Error(`the program ended before reporting its pid; acks: ${text}`)));
  });
  app.extraOutput(3).on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const match = /^pid (\d+)\n/.exec(text);
    if (match) resolvePid(Number(match[1]));
  });
  return {
    pid,
    last: () => {
      const complete = text.slice(0, text.lastIndexOf('\n')).split('\n').filter((line) => /^\d+$/.test(line));
      return complete.length === 0 ? -1 : Number(complete[complete.length - 1]);
    },
  };
}

test(`kill storm: ${RUNS} runs SIGKILLed at random moments never lose an acknowledged value`, { timeout: 10 * 60_000 }, async () => {
  let next = 0;
  let acknowledgedRuns = 0;
  const worker = async () => {
    while (next < RUNS) {
      const run = next++;
      const { acknowledged, rescued, payload } = await killAtRandom(run);
      if (acknowledged >= 0) {
        acknowledgedRuns++;
        assert.ok(rescued !== null && rescued >= acknowledged, `run ${run}: rescued ${rescued} < acknowledged ${acknowledged}`);
        if (payload !== undefined) assert.ok(payload !== null && payload >= acknowledged, `run ${run}: payload ${payload} < acknowledged ${acknowledged}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  assert.ok(acknowledgedRuns > RUNS / 2, `only ${acknowledgedRuns} runs got as far as storing a value`);
});
