import { dirname, join } from 'node:path';
import { CLI, ROOT } from '../../helpers/processes';
import type { Client } from './client';

/**
 * Debian's interpreter, deliberately: Debian's python3-numpy and python3-pytest (which .ci/run
 * installs) are for /usr/bin/python3, while a `python3` on PATH may be another one (pyenv's).
 */
export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

export const python: Client = {
  name: 'Python',
  command: (configFile) => ({
    command: PYTHON,
    args: [join(ROOT, 'test', 'fixtures', 'python', 'conformance_driver.py'), configFile],
    // The package from this repository, and this repository's guard (what the client would find anyway).
    // TMPDIR: start()'s hand-off folder, left behind when the caller is killed, goes with the scenario's folder.
    env: { PYTHONPATH: join(ROOT, 'runtime', 'python'), FAULTGUARD_CLI: CLI, TMPDIR: dirname(configFile) },
  }),
  nativeValues: { 'pickled-set': 'python-pickle' },
};
