import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { decodeAutosaveHeader } from '@faultguard/protocol';
import { liveness } from './process-identity';

export const AUTOSAVE_EXTENSION = '.fgsave';

export class AutosaveTargetError extends Error {}

/**
 * Where this run's autosave goes. A folder gets one file per run, named to sort by start time;
 * a file path is used as given. Checked before the program starts: the folder must exist and be
 * writable, and an existing file is never overwritten, since it holds either a live run's data
 * or a crashed run's data that nobody has recovered yet.
 */
export function resolveAutosaveTarget(requested: string, now = new Date()): string {
  const path = resolve(requested);
  const isFolder = requested.endsWith('/') || isDirectory(path);
  const folder = isFolder ? path : dirname(path);
  if (!isDirectory(folder)) throw new AutosaveTargetError(`autosave folder ${folder} does not exist`);
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
  } catch {
    throw new AutosaveTargetError(`autosave folder ${folder} is not writable`);
  }
  if (isFolder) {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
    return join(folder, `${stamp}-${process.pid}${AUTOSAVE_EXTENSION}`);
  }
  refuseExisting(path);
  return path;
}

function refuseExisting(path: string): void {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new AutosaveTargetError(`autosave file ${path} exists and cannot be read: ${(error as Error).message}`);
  }
  let described: string;
  try {
    const { header } = decodeAutosaveHeader(bytes);
    const writer = liveness(header.writer);
    const command = header.program.command.join(' ');
    if (writer.state === 'alive') described = `belongs to a live run (guard ${header.writer.pid}, ${command})`;
    else if (writer.state === 'unknown' && header.state === 'running') described = `belongs to a run of ${command} that may still be live (${writer.reason})`;
    else described = `holds the data of an earlier run of ${command} (${header.exit?.reason ?? writer.reason}) that was not recovered`;
  } catch (error) {
    described = `exists and is not a readable autosave (${(error as Error).message})`;
  }
  throw new AutosaveTargetError(`autosave file ${path} ${described}; not overwriting it. Recover or remove it, or give a folder to get one file per run`);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
