// Figure: one autosave of a 7 MB JSON-like state plus 1 MiB of random bytes, timed from the
// start of the save to the rename that puts it in place, beside plain `xz` compressing the same
// journal bytes in the same run. The heartbeat (the file's mtime) is watched throughout.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync, statSync, writeFileSync } from 'node:fs';
import { encodeJournalHeader, encodeRecord, encodeValue, RecordType } from '@faultguard/protocol';
import { claimAutosaveTarget } from '../../runtime/src/autosave/autosave-claim';
import { Autosaver } from '../../runtime/src/autosave/autosaver';
import type { Measurement } from './measurement';
import { median } from './stats';

const SAMPLES = 5;
const PLAIN_XZ_ARGS = ['-0', '--threads=0', '--stdout'];
/** Python faultguard 1.1.1 on this kind of machine: 7 MB pickled and lzma'd in about 4 s. */
const ORIGINAL_MB_PER_S = 1.7;
const TARGET_MB_PER_S = 20 * ORIGINAL_MB_PER_S;

/** Records like an editor's or a game's state: ids, names, numbers, flags, short text. */
function jsonLikeState(bytes: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const row = { id: i, name: `item ${i}`, owner: `user${i % 977}@example.com`, score: Math.round(Math.random() * 1e6) / 100, tags: ['red', 'green', 'blue'].slice(0, (i % 3) + 1), done: i % 2 === 0, note: randomBytes(6).toString('hex') };
    rows.push(row);
    size += JSON.stringify(row).length + 1;
  }
  return rows;
}

/** The journal a program holding that state would have: JSON values of ~100 KB and one random blob. */
function writeJournal(path: string, jsonBytes: number, randomBytesCount: number): number {
  const state = jsonLikeState(jsonBytes);
  const chunks: Buffer[] = [encodeJournalHeader()];
  const perKey = Math.max(1, Math.ceil(state.length / Math.ceil(jsonBytes / 100_000)));
  for (let k = 0; k * perKey < state.length; k++) {
    const value = encodeValue(state.slice(k * perKey, (k + 1) * perKey));
    chunks.push(...encodeRecord(RecordType.Set, value.encoding, Buffer.from(`rows/${k}`), value.bytes));
  }
  if (randomBytesCount > 0) {
    const blob = encodeValue(randomBytes(randomBytesCount));
    chunks.push(...encodeRecord(RecordType.Set, blob.encoding, Buffer.from('thumbnail'), blob.bytes));
  }
  const journal = Buffer.concat(chunks);
  writeFileSync(path, journal);
  return journal.length;
}

interface Save {
  readonly ms: number;
  readonly compressedBytes: number;
  /** The oldest the heartbeat (the file's mtime) was seen during the save, in ms. */
  readonly oldestHeartbeatMs: number;
}

const POLL_MS = 2;

/** One periodic save by the guard's own Autosaver, watched from outside through the file. */
async function timeOneSave(journalPath: string, target: string): Promise<Save> {
  const claim = claimAutosaveTarget(target);
  const saver = new Autosaver(claim, 3600, (message) => process.stderr.write(`bench: ${message}\n`));
  const started = performance.now();
  saver.start({ journalPath, programPid: process.pid, command: ['bench'], cwd: process.cwd() });
  let oldestHeartbeatMs = 0;
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const stat = statSync(target);
      if (stat.ino !== claim.ino) return { ms: performance.now() - started, compressedBytes: stat.size, oldestHeartbeatMs };
      oldestHeartbeatMs = Math.max(oldestHeartbeatMs, Date.now() - stat.mtimeMs);
    }
  } finally {
    await saver.discard();
  }
}

/** The same bytes through `xz` at its fastest preset on every core, file to file: what a script would do. */
async function timePlainXz(journalPath: string, outPath: string): Promise<number> {
  const started = performance.now();
  const xz = spawn('xz', PLAIN_XZ_ARGS, { stdio: [openSync(journalPath, 'r'), openSync(outPath, 'w'), 'inherit'] });
  await new Promise((resolve, reject) => xz.once('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`xz exited with ${code}`)))));
  return performance.now() - started;
}

/** Python faultguard's way, in this run: lzma.compress at its default preset (6), if Python is here. */
function timePythonLzma(journalPath: string): number | undefined {
  const script = 'import lzma,sys,time\ndata=open(sys.argv[1],"rb").read()\nt=time.perf_counter()\nlzma.compress(data)\nprint((time.perf_counter()-t)*1000)';
  const result = spawnSync('python3', ['-c', script, journalPath], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout) : undefined;
}

export const AUTOSAVE_THROUGHPUT: Measurement = {
  label: 'autosave of 7 MB JSON-like state + 1 MiB random bytes',
  async measure(scratch) {
    const journalPath = scratch.file('autosave-journal');
    const bytes = writeJournal(journalPath, 7_000_000, 1024 * 1024);
    const saves: Save[] = [];
    const plain: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      saves.push(await timeOneSave(journalPath, scratch.file(`throughput-${i}.fgsave`)));
      plain.push(await timePlainXz(journalPath, scratch.file(`plain-${i}.xz`)));
    }
    const saveMs = median(saves.map((s) => s.ms));
    const pythonMs = timePythonLzma(journalPath);
    return {
      id: 'autosave-throughput',
      measured: { label: `autosave ${(bytes / 1e6).toFixed(1)} MB, MB/s`, value: megabytesPerSecond(bytes, saveMs), unit: 'MB/s' },
      reference: { label: 'plain xz -0 -T0, same bytes', value: megabytesPerSecond(bytes, median(plain)), unit: 'MB/s' },
      target: `≥ ${TARGET_MB_PER_S} MB/s (20 × ${ORIGINAL_MB_PER_S})`,
      note: `${saveMs.toFixed(0)} ms per save, ${(median(saves.map((s) => s.compressedBytes)) / 1e6).toFixed(2)} MB on disk; ${(megabytesPerSecond(bytes, saveMs) / ORIGINAL_MB_PER_S).toFixed(0)}× the original's ${ORIGINAL_MB_PER_S} MB/s${pythonMs === undefined ? '' : `; Python lzma.compress (the original's way) here: ${megabytesPerSecond(bytes, pythonMs).toFixed(1)} MB/s`}`,
      details: { bytes, saves, plainMs: plain, pythonLzmaMs: pythonMs },
    };
  },
};

/** A save long enough to span several heartbeats: 60 MB of JSON-like state take seconds to compress. */
export const HEARTBEAT_DURING_SAVE: Measurement = {
  label: 'heartbeat during a long autosave',
  async measure(scratch) {
    const journalPath = scratch.file('heartbeat-journal');
    const bytes = writeJournal(journalPath, 60_000_000, 0);
    const save = await timeOneSave(journalPath, scratch.file('heartbeat.fgsave'));
    return {
      id: 'heartbeat-during-save',
      measured: { label: 'oldest heartbeat seen during the save', value: save.oldestHeartbeatMs, unit: 'ms' },
      reference: { label: 'heartbeat period', value: HEARTBEAT_PERIOD_MS, unit: 'ms' },
      target: 'late by < 1 s (ratio < 2×)',
      note: `save of ${(bytes / 1e6).toFixed(0)} MB took ${(save.ms / 1000).toFixed(1)} s; mtime polled every ${POLL_MS} ms`,
      details: { save },
    };
  },
};

const HEARTBEAT_PERIOD_MS = 1000;

function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}
