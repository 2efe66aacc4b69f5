// Figures of the editor's recovery service (extension/dist/service.js), started as the extension
// starts it and timed from outside through its JSON-RPC messages:
//  - listing 1,000 autosaves: from `configure` to the first snapshot that lists them all, judged;
//    the files are copies, under distinct names, of one real autosave of a really killed run;
//  - the key list (readRun) and the first page (readValue) of a real guarded run holding a 100 MB value;
//  - the service's resident memory with the 1,000 runs listed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAutosaveHeader } from '@faultguard/protocol';
import { ReadRunRequest, ReadValueRequest } from '@faultguard/protocol/recovery-service';
import { listAutosaves } from '@faultguard/runtime';
import { fixture, run } from '../helpers/processes';
import { startRecoveryService, vmRssKiB, type RecoveryService } from '../helpers/recovery-service';
import type { Measurement } from './measurement';
import { CLI } from './paths';
import type { Scratch } from './scratch';
import { median } from './stats';

const FILES = 1000;
const SAMPLES = 3;
const BIG_VALUE_LINES = 4_000_000; // 25 bytes each as a JSON string: 100 MB
const LIMIT = 1024 ** 3;

/** A crash-app run, really killed or ended as `how` says, leaving its autosave at `file`. */
async function guardedRun(file: string, how: string, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const result = await run(process.execPath, [fixture('crash-app'), how], { env: { ...process.env, AUTOSAVE: file, ...env }, deadlineMs: 120_000 });
  if (result.code === 0) throw new Error(`crash-app ${how} did not crash: ${result.stderr}`);
}

let thousand: Promise<string> | undefined;

/** A folder of 1,000 autosaves: one real one (crash-app, SIGKILLed) copied under distinct names. */
function thousandAutosaves(scratch: Scratch): Promise<string> {
  thousand ??= (async () => {
    const folder = scratch.file('service-1000');
    mkdirSync(folder);
    const original = scratch.file('service-original.fgsave');
    await guardedRun(original, 'kill');
    for (let i = 0; i < FILES; i++) copyFileSync(original, join(folder, `run-${String(i).padStart(4, '0')}.fgsave`));
    return folder;
  })();
  return thousand;
}

/** A fresh service, configured on `folders`, once its first snapshot lists `count` runs; with the time that took. */
async function listedService(folders: string[], count: number): Promise<{ service: RecoveryService; ms: number }> {
  const service = await startRecoveryService();
  try {
    const started = performance.now();
    service.configure({ folders, maxInspectedBytes: LIMIT });
    await service.waitForSnapshot(`${count} runs listed`, (s) => s.runs.length === count && s.runs.every((r) => r.state === 'crashed'), 30_000);
    return { service, ms: performance.now() - started };
  } catch (error) {
    await service.stop();
    throw error;
  }
}

function timed(action: () => unknown): number {
  const started = performance.now();
  action();
  return performance.now() - started;
}

export const SERVICE_LISTING: Measurement = {
  label: `recovery service: list ${FILES} autosaves`,
  async measure(scratch) {
    const folder = await thousandAutosaves(scratch);
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const { service, ms } = await listedService([folder], FILES);
      samples.push(ms);
      await service.stop();
    }
    const inProcess = Array.from({ length: SAMPLES }, () => timed(() => listAutosaves([folder])));
    const bare = Array.from({ length: SAMPLES }, () => timed(() => readdirSync(folder).forEach((name) => statSync(join(folder, name)))));
    return {
      id: 'service-list-1000',
      measured: { label: `configure → snapshot of ${FILES} runs, judged`, value: median(samples), unit: 'ms' },
      reference: { label: 'listAutosaves in-process, same files', value: median(inProcess), unit: 'ms' },
      target: '≤ 1 s',
      note: `copies of one real autosave; bare readdir + stat: ${median(bare).toFixed(1)} ms; median of ${SAMPLES} fresh services`,
      details: { samples, inProcess, bare },
    };
  },
};

export const SERVICE_MEMORY: Measurement = {
  label: `recovery service: memory with ${FILES} runs listed`,
  async measure(scratch) {
    const { service } = await listedService([await thousandAutosaves(scratch)], FILES);
    let serviceKiB: number;
    try {
      serviceKiB = service.rssKiB();
    } finally {
      await service.stop();
    }
    return {
      id: 'service-rss-1000',
      measured: { label: `service RSS, ${FILES} runs listed`, value: serviceKiB / 1024, unit: 'MiB' },
      reference: { label: 'bare node -e process RSS', value: (await bareNodeRssKiB()) / 1024, unit: 'MiB' },
      target: 'none stated',
    };
  },
};

/** VmRSS of an idle `node -e` once it has started. */
async function bareNodeRssKiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'process.stdout.write("up\\n"); setTimeout(() => {}, 30000)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((resolve) => child.stdout.once('data', resolve));
    return vmRssKiB(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

let bigRun: Promise<{ file: string; keyList: number[]; firstPage: number[]; size: number }> | undefined;

/**
 * A real guarded run whose autosave holds a 100 MB value (a JSON string of 4,000,000 lines), read by
 * fresh services as a user opens it: the run's key list (readRun), then the value's first page.
 */
function bigRunTimes(scratch: Scratch): Promise<{ file: string; keyList: number[]; firstPage: number[]; size: number }> {
  bigRun ??= (async () => {
    const folder = scratch.file('service-big');
    mkdirSync(folder);
    const file = join(folder, 'big.fgsave');
    await guardedRun(file, 'exit3', { LOG_LINES: String(BIG_VALUE_LINES) });
    const keyList: number[] = [];
    const firstPage: number[] = [];
    let size = 0;
    for (let i = 0; i < SAMPLES; i++) {
      const { service } = await listedService([folder], 1);
      try {
        let started = performance.now();
        await service.request(ReadRunRequest, { file });
        keyList.push(performance.now() - started);
        started = performance.now();
        const page = await service.request(ReadValueRequest, { file, key: 'log', extent: 'page' });
        firstPage.push(performance.now() - started);
        size = page.size;
      } finally {
        await service.stop();
      }
    }
    return { file, keyList, firstPage, size };
  })();
  return bigRun;
}

export const SERVICE_KEY_LIST: Measurement = {
  label: 'recovery service: key list of a run holding a 100 MB value',
  async measure(scratch) {
    const { file, keyList } = await bigRunTimes(scratch);
    const inspect = Array.from({ length: SAMPLES }, () => timed(() => spawnSync(process.execPath, [CLI, 'inspect', file], { stdio: 'ignore' })));
    return {
      id: 'service-key-list-100MB',
      measured: { label: 'readRun (the record index)', value: median(keyList), unit: 'ms' },
      reference: { label: 'faultguard inspect FILE (keys, all decompressed), same file', value: median(inspect), unit: 'ms' },
      target: '≤ 300 ms',
      note: `${(statSync(file).size / 1e6).toFixed(2)} MB on disk; median of ${SAMPLES} fresh services`,
      details: { keyList, inspect },
    };
  },
};

export const SERVICE_BIG_VALUE: Measurement = {
  label: 'recovery service: first page of a 100 MB value',
  async measure(scratch) {
    const { file, firstPage, size } = await bigRunTimes(scratch);
    const inspect = Array.from({ length: SAMPLES }, () => timed(() => spawnSync(process.execPath, [CLI, 'inspect', '--raw', file, 'log'], { stdio: 'ignore' })));
    const data = dataSection(file, scratch);
    const xz = Array.from({ length: SAMPLES }, () => timed(() => spawnSync('xz', ['-dc', data], { stdio: 'ignore' })));
    return {
      id: 'service-first-page-100MB',
      measured: { label: `readValue page, ${(size / 1e6).toFixed(0)} MB value, after readRun`, value: median(firstPage), unit: 'ms' },
      reference: { label: 'faultguard inspect --raw FILE KEY, same file', value: median(inspect), unit: 'ms' },
      target: '≤ 1 s',
      note: `xz -dc of the data section alone: ${median(xz).toFixed(0)} ms; median of ${SAMPLES} fresh services`,
      details: { firstPage, inspect, xz },
    };
  },
};

/** The data section of `file` (its xz streams) as a file of its own, for `xz -dc`. */
function dataSection(file: string, scratch: Scratch): string {
  const bytes = readFileSync(file);
  const path = scratch.file('service-big.xz');
  writeFileSync(path, bytes.subarray(decodeAutosaveHeader(bytes).dataOffset));
  return path;
}

export const RECOVERY_SERVICE: readonly Measurement[] = [SERVICE_LISTING, SERVICE_MEMORY, SERVICE_KEY_LIST, SERVICE_BIG_VALUE];
