// What creating the values folder's files costs the kernel, whoever does it: GNU tar
// (a C program) unpacking as many 64 B files as the rescue writes, into the same tmpfs.
// The values folder cannot start its command sooner than this; it is printed beside it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scratch } from './scratch';
import { nsToMs } from './stats';

function tar(args: readonly string[]): void {
  const result = spawnSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`tar ${args.join(' ')}: ${result.stderr?.toString().trim() || `status ${result.status}`}`);
}

/** Milliseconds `tar -x` takes to make `count` files of `bytes` each (the archive made beforehand, untimed). */
export function tarExtractMs(scratch: Scratch, count: number, bytes: number): number {
  const source = scratch.file(`tar-source-${count}`);
  const target = scratch.file(`tar-target-${count}`);
  const archive = scratch.file(`values-${count}.tar`);
  mkdirSync(source);
  const value = Buffer.alloc(bytes, 0x61);
  for (let i = 0; i < count; i++) writeFileSync(join(source, `key-${i}.json`), value);
  tar(['-cf', archive, '-C', source, '.']);
  rmSync(source, { recursive: true });
  mkdirSync(target);
  const started = process.hrtime.bigint();
  tar(['-xf', archive, '-C', target]);
  const ms = nsToMs(process.hrtime.bigint() - started);
  rmSync(target, { recursive: true });
  rmSync(archive);
  return ms;
}
