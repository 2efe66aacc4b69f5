import { join, resolve } from 'node:path';
import { daemonize } from '../daemon/daemonize';
import type { DaemonOptions } from '../daemon/daemon-options';
import { exitLike } from '../guard/exit-like';
import { guard, type GuardOptions } from '../guard/guard';

/**
 * `faultguard run --daemon`: the guard and its program as a daemon. The daemon is ready once
 * the guard has started the program, so every refusal of the guard (command not found, autosave
 * refused...) reaches the starting process. SIGTERM goes through the guard to the program, as in
 * the foreground; when the program has ended and its data is taken care of, the PID file is
 * released and the guard ends like the program did.
 */
export async function runAsDaemon(options: GuardOptions, daemon: DaemonOptions): Promise<void> {
  const guarded = withAbsolutePaths(options);
  await daemonize(daemon, ({ pidFile }) => {
    return new Promise<void>((ready, cannotStart) => {
      let started = false;
      const onStart = () => {
        started = true;
        ready();
      };
      guard({ ...guarded, onStart }).then(
        ({ exit }) => {
          pidFile?.release();
          exitLike(exit);
        },
        (error: unknown) => {
          if (started) throw error; // a bug, not a start-up error: crash loudly
          cannotStart(error);
        },
      );
    });
  });
}

/** The daemon changes directory before the guard runs: paths given relative to ours must not move. */
function withAbsolutePaths(options: GuardOptions): GuardOptions {
  const { journalRoot, autosave } = options;
  return {
    ...options,
    journalRoot: journalRoot === undefined ? undefined : resolve(journalRoot),
    // A trailing "/" is what makes a path that does not exist yet a folder target.
    autosave: autosave === undefined ? undefined : { ...autosave, path: autosave.path.endsWith('/') ? join(resolve(autosave.path), '/') : resolve(autosave.path) },
  };
}
