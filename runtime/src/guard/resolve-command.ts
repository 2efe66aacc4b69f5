import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

export class CommandError extends Error {
  constructor(
    message: string,
    /** The shell's convention: 127 not found, 126 found but not runnable. */
    readonly exitCode: 126 | 127,
  ) {
    super(message);
  }
}

/** What execvp searches when PATH is unset (confstr _CS_PATH); never the current directory. */
const DEFAULT_PATH = '/bin:/usr/bin';

/**
 * Finds the program as execvp would, so that a typo is reported before anything starts
 * (spawn would otherwise only fail after the run directory exists).
 */
export function resolveCommand(command: string, cwd: string, path = process.env.PATH ?? DEFAULT_PATH): string {
  if (command === '') throw new CommandError('no command given', 127);
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : path.split(delimiter).map((dir) => join(dir === '' ? cwd : resolve(cwd, dir), command));
  let notRunnable: string | undefined;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) {
        notRunnable = `${candidate} is not a file`;
        continue;
      }
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES') notRunnable = `${candidate} is not executable`;
    }
  }
  if (notRunnable) throw new CommandError(`cannot run ${command}: ${notRunnable}`, 126);
  throw new CommandError(`command not found: ${command}`, 127);
}
