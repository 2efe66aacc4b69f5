// The launcher (runtime/bin/faultguard) starts the guard's own Node without the variables that
// only cost it time or misdirect it (NODE_EXTRA_CA_CERTS: a certificate bundle parsed at start-up;
// NODE_OPTIONS: an --inspect or --require meant for the program), keeping each under a name of
// its own. The CLI restores them first thing, so everything it starts gets the environment it
// would have had without a guard.

/** The variables the launcher keeps from the guard's Node; the shell script lists the same. */
const KEPT = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS'] as const;
const PREFIX = 'FAULTGUARD_KEPT_';

/** Puts back what the launcher kept: a variable that was set (even to "") is set again; one that was not stays unset. */
export function restoreKeptEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of KEPT) {
    const kept = env[`${PREFIX}${name}`];
    if (kept === undefined) continue;
    env[name] = kept;
    delete env[`${PREFIX}${name}`];
  }
}
