// Runs a client's driver (adapters/) on a script (script.ts) and reads what it wrote, and checks
// snapshots against the model. Scenarios use only this, so they hold for every client.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, launch, run, type Running } from '../helpers/processes';
import type { Client } from './adapters/client';
import { materialize, sha256, type DriverConfig, type Expected, type Op, type Snapshot, type SnapshotEntry } from './script';

export interface Context {
  /** A fresh private folder for this scenario and client. */
  readonly dir: string;
  /** Every client: data one writes, each must read. */
  readonly clients: readonly Client[];
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function driver(client: Client, config: DriverConfig, segv: boolean): { running: Running; out: string } {
  writeFileSync(join(config.out, 'config.json'), JSON.stringify(config));
  const { command, args, env } = client.command(join(config.out, 'config.json'), { segv });
  return { running: launch(command, args, { env: { ...process.env, ...env }, cwd: config.out }), out: config.out };
}

export interface Outcome {
  /** What start() returned in the caller. */
  readonly returned: number;
  /** What the rescue was given, or null if it was not called. */
  readonly rescue: Snapshot | null;
  readonly stderr: string;
}

export interface Program {
  readonly running: Running;
  /** <out>/<name>.json, written by a `report` op. */
  report(name: string): Snapshot;
  /** Waits for the end of start() in the caller (not asked for when the caller is killed). */
  outcome(): Promise<Outcome>;
}

/** Starts a guarded program of `client` that performs `ops`. */
export function startProgram(client: Client, context: Context, ops: readonly Op[], autosave?: { file: string; interval: number }): Program {
  const out = mkdtempSync(join(context.dir, 'run-'));
  const segv = ops.some((op) => op.op === 'crash' && op.how === 'segv');
  const { running } = driver(client, { mode: 'run', ops, out, autosave }, segv);
  const outcome = () => running.finished.then((finished) => {
    const detail = `${client.name} driver: status ${finished.code ?? finished.signal}\nstdout: ${finished.stdout}\nstderr: ${finished.stderr}`;
    assert.ok(existsSync(join(out, 'result.json')), `start() did not return\n${detail}`);
    const rescuePath = join(out, 'rescue.json');
    return {
      returned: readJson<{ returned: number }>(join(out, 'result.json')).returned,
      rescue: existsSync(rescuePath) ? readJson<Snapshot>(rescuePath) : null,
      stderr: finished.stderr,
    };
  });
  return { running, report: (name) => readJson<Snapshot>(join(out, `${name}.json`)), outcome };
}

async function once(client: Client, context: Context, config: Omit<DriverConfig & { mode: 'recover' | 'is-active' }, 'out'>, name: string) {
  const out = mkdtempSync(join(context.dir, `${config.mode}-`));
  const finished = await driver(client, { ...config, out }, false).running.finished;
  const path = join(out, `${name}.json`);
  assert.ok(existsSync(path), `${client.name} ${config.mode} failed (${finished.code ?? finished.signal}): ${finished.stderr}`);
  return readJson<unknown>(path);
}

/** `client`'s recover() of an autosave file. */
export async function recoverWith(client: Client, context: Context, file: string): Promise<Snapshot> {
  return (await once(client, context, { mode: 'recover', file }, 'recovered')) as Snapshot;
}

/** `client`'s is_active() of an autosave file. */
export async function isActiveWith(client: Client, context: Context, file: string): Promise<boolean> {
  return ((await once(client, context, { mode: 'is-active', file }, 'active')) as { active: boolean }).active;
}

/** The entries must be the model's: same keys in the same order, the same bytes for bytes, equal values for JSON. */
export function assertEntries(client: Client, actual: readonly SnapshotEntry[], expected: readonly Expected[], what: string): void {
  assert.deepEqual(actual.map((entry) => entry.key), expected.map((entry) => entry.key), `${what}: keys and their order`);
  expected.forEach(({ key, value }, i) => {
    const entry = actual[i]!;
    if ('bytes' in value) {
      assert.deepEqual([entry.encoding, entry.size, entry.sha256], ['bytes', value.bytes.length, sha256(value.bytes)], `${what}: ${key}`);
    } else if ('json' in value) {
      assert.equal(entry.encoding, 'json', `${what}: ${key}`);
      assert.deepEqual(entry.value, value.json, `${what}: ${key}`);
    } else {
      assert.equal(entry.encoding, client.nativeValues[value.native], `${what}: ${key}`);
    }
  });
}

/** Two snapshots of the same data hold the same stored bytes, key by key. */
export function assertSameBytes(actual: readonly SnapshotEntry[], expected: readonly SnapshotEntry[], what: string): void {
  const bytes = (entries: readonly SnapshotEntry[]) => entries.map(({ key, encoding, size, sha256: hash }) => ({ key, encoding, size, hash }));
  assert.deepEqual(bytes(actual), bytes(expected), what);
}

/** A set op per value of `values`. */
export function sets(values: Record<string, Parameters<typeof materialize>[0]>): Op[] {
  return Object.entries(values).map(([key, value]) => ({ op: 'set', key, value }));
}

/** The faultguard CLI, which reads what every client wrote. */
export function cli(args: readonly string[]) {
  return run(process.execPath, [CLI, ...args]);
}
