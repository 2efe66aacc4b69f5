import { join } from 'node:path';
import { CLI, ROOT } from '../../helpers/processes';
import type { Client } from './client';

/**
 * Debian's interpreter, deliberately: Debian's python3-numpy and python3-pytest (which .ci/run
 * installs) are for /usr/bin/python3, while a `python3` on PATH may be another one (pyenv's).
 */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** The Python client under one of the two guards: its own (start(), `python`) or `faultguard run` (`cli`, connect()). */
function pythonClient(name: string, guard: 'python' | 'cli'): Client {
  return {
    name,
    command: (configFile) => ({
      command: PYTHON,
      args: [join(ROOT, 'test', 'fixtures', 'python', 'conformance_driver.py'), configFile, guard],
      env: { PYTHONPATH: join(ROOT, 'runtime', 'python'), FAULTGUARD_CLI: CLI },
    }),
    nativeValues: { 'pickled-set': 'python-pickle' },
  };
}

export const python = pythonClient('Python (its own guard)', 'python');
export const pythonUnderCli = pythonClient('Python (under faultguard run)', 'cli');
