import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { StartError } from '../report/start-error';
import { Status } from '../report/status';

/** What execvp searches when PATH is unset (confstr _CS_PATH); never the current directory. */
const DEFAULT_PATH = '/bin:/usr/bin';

/**
 * Finds the program as execvp would, so that a typo is reported before anything starts
 * (spawn would otherwise only fail after the run directory exists). A StartError says why, with
 * the shell's status: 127 not found, 126 found but not runnable.
 */
export function resolveCommand(command: string, cwd: string, path = process.env.PATH ?? DEFAULT_PATH): string {
  if (command === '') throw new StartError('no command given', Status.notFound);
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
  if (notRunnable) throw new StartError(`cannot run ${command}: ${notRunnable}`, Status.cannotRun);
  throw new StartError(`command not found: ${command}`, Status.notFound);
}
