// How a guarded program finds its guard (protocol/SPEC.md §1). A client reads these once,
// then removes them so that programs it starts do not write into its journal.

/** Absolute path of the journal file the program appends to. */
export const ENV_JOURNAL = 'FAULTGUARD_JOURNAL';
/** Protocol version the guard speaks; a client refuses a version it does not know. */
export const ENV_PROTOCOL = 'FAULTGUARD_PROTOCOL';
export const PROTOCOL_VERSION = '1';
