import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV_JOURNAL, ENV_PROTOCOL, oneLine, type ExitRecord } from '@faultguard/protocol';
import type { RescuedData } from '../data/rescued-data';
import { RescueFailure, type RunInfo } from '../guard/guard';
import { writeValuesDirectory } from '../recovery/values-directory';

/**
 * The CLI's rescue: write the values where a shell command can read them, then run the
 * command with the exit described in FAULTGUARD_EXIT_* variables. A failing command is a
 * failed rescue, so the guard keeps the data.
 */
export function onCrashCommand(command: string): (data: RescuedData, exit: ExitRecord, run: RunInfo) => Promise<void> {
  return async (data, exit, run) => {
    // On the temporary folder, not beside the journal: a second copy of the data in /dev/shm
    // could exhaust a small one (Docker gives 64 MiB). The journal stays until the end anyway.
    const rescueDir = mkdtempSync(join(tmpdir(), 'faultguard-rescue-'));
    try {
      await runRescueCommand(command, data, exit, run, rescueDir);
    } finally {
      rmSync(rescueDir, { recursive: true, force: true });
    }
  };
}

async function runRescueCommand(command: string, data: RescuedData, exit: ExitRecord, run: RunInfo, rescueDir: string): Promise<void> {
  writeValuesDirectory(data, rescueDir);
  const child = spawn('/bin/sh', ['-c', command], {
    stdio: 'inherit',
    env: {
      ...withoutGuardVariables(process.env),
      FAULTGUARD_RESCUE_DIR: rescueDir,
      FAULTGUARD_RESCUE_JOURNAL: run.journalPath,
      FAULTGUARD_COMMAND: run.command.join(' '),
      FAULTGUARD_PID: String(run.pid),
      FAULTGUARD_EXIT_CODE: exit.code === null ? '' : String(exit.code),
      FAULTGUARD_EXIT_SIGNAL: exit.signal ?? '',
      FAULTGUARD_EXIT_CATEGORY: exit.category,
      FAULTGUARD_EXIT_REASON: exit.reason,
      FAULTGUARD_EXIT_STATUS: String(exit.status),
      ...contextVariables(data, run),
      FAULTGUARD_RESTARTS: String(run.restarts),
      FAULTGUARD_RESTARTING: run.restarting ? '1' : '0',
    },
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, s) => resolve([c, s]));
  });
  if (code !== 0) throw new RescueFailure(`--on-crash command ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`);
}

/** The crash context (SPEC §10.6): where its file is, and the error in one line. */
function contextVariables(data: RescuedData, run: RunInfo): NodeJS.ProcessEnv {
  const context = data.context;
  if (!context || !run.contextFile) return {};
  const error = context.error ? `${context.error.type ? `${context.error.type}: ` : ''}${context.error.message}` : context.report?.event;
  return {
    FAULTGUARD_CONTEXT_FILE: run.contextFile,
    ...(error !== undefined && { FAULTGUARD_ERROR: oneLine(error, 1000) }),
  };
}

/** If this guard itself runs under a guard, the rescue command must not write into that journal. */
function withoutGuardVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy[ENV_JOURNAL];
  delete copy[ENV_PROTOCOL];
  return copy;
}
