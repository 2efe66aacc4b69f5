// How a guarded program finds its guard (protocol/SPEC.md §1). A client reads these once,
// then removes them so that programs it starts do not write into its journal.

/** Absolute path of the journal file the program appends to. */
export const ENV_JOURNAL = 'FAULTGUARD_JOURNAL';
/** Protocol version the guard speaks; a client refuses a version it does not know. */
export const ENV_PROTOCOL = 'FAULTGUARD_PROTOCOL';
export const PROTOCOL_VERSION = '1';
/**
 * Absolute path of the run's context journal (§10), where a client records its uncaught error and
 * its breadcrumbs. Absent when the guard keeps no context; clients that know nothing of it ignore it.
 */
export const ENV_CONTEXT = 'FAULTGUARD_CONTEXT';
/** How many breadcrumbs the client keeps (§10.2); DEFAULT_BREADCRUMBS when absent. */
export const ENV_BREADCRUMBS = 'FAULTGUARD_BREADCRUMBS';
/** In a run the guard started again (§11.2): the path of its resume.json, how the run before it ended. */
export const ENV_RESUME = 'FAULTGUARD_RESUME';
/** With a watchdog (§11.3): the file whose modification time the client's ping() sets, and the watchdog's seconds. */
export const ENV_PING = 'FAULTGUARD_PING';
export const ENV_WATCHDOG = 'FAULTGUARD_WATCHDOG';
