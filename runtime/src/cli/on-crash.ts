import { spawn } from 'node:child_process';
import { ENV_JOURNAL, ENV_PROTOCOL, oneLine, type ExitRecord } from '@faultguard/protocol';
import type { RescuedData } from '../data/rescued-data';
import { RescueFailure, type RunInfo } from '../guard/guard';
import { writeRescueFolder, type RescueFolder } from './rescue-folder';

export interface OnCrashOptions {
  /**
   * Write the values as files for the command (FAULTGUARD_RESCUE_DIR), before it starts; false
   * (`--no-rescue-dir`) hands it the journal alone, and it starts at once whatever the data's size.
   */
  readonly valuesFolder: boolean;
}

/**
 * The CLI's rescue: the values where a shell command can read them (the run's journal, and
 * unless asked not to a folder of one file per value), then the command, with the exit described
 * in FAULTGUARD_EXIT_* variables. It runs after every abnormal exit, also of a run that stored
 * nothing. A failing command is a failed rescue, so the guard keeps the data; the values folder
 * is removed once the command has ended, however it ended.
 */
export function onCrashCommand(command: string, { valuesFolder }: OnCrashOptions): (data: RescuedData, exit: ExitRecord, run: RunInfo) => Promise<void> {
  return async (data, exit, run) => {
    const values = valuesFolder ? writeRescueFolder(data, run.journalPath) : undefined;
    try {
      await runRescueCommand(command, data, exit, run, values);
    } finally {
      values?.remove();
    }
  };
}

async function runRescueCommand(command: string, data: RescuedData, exit: ExitRecord, run: RunInfo, values: RescueFolder | undefined): Promise<void> {
  const child = spawn('/bin/sh', ['-c', command], {
    stdio: 'inherit',
    env: {
      ...withoutGuardVariables(process.env),
      ...(values && { FAULTGUARD_RESCUE_DIR: values.path }),
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

/**
 * If this guard itself runs under a guard, the rescue command must not write into that journal;
 * nor, inside an outer guard's rescue, take that rescue's folder for ours.
 */
function withoutGuardVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy[ENV_JOURNAL];
  delete copy[ENV_PROTOCOL];
  delete copy.FAULTGUARD_RESCUE_DIR;
  return copy;
}
