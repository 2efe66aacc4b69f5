export const DEFAULT_AUTOSAVE_INTERVAL = 10;
export const MIN_AUTOSAVE_INTERVAL = 0.001;
/** Node's timers take at most 2^31-1 ms; beyond that they would fire at once, again and again. */
export const MAX_AUTOSAVE_INTERVAL = 2_147_483;

/** Python faultguard's rules: an interval without a path is a mistake, and so is a silly interval. */
export function autosaveOption(path: string | undefined, interval: number | undefined): { path: string; intervalSeconds: number } | undefined {
  if (path === undefined) {
    if (interval !== undefined) throw new TypeError('faultguard: an autosave interval was given without an autosave path');
    return undefined;
  }
  const intervalSeconds = interval ?? DEFAULT_AUTOSAVE_INTERVAL;
  if (!(intervalSeconds >= MIN_AUTOSAVE_INTERVAL && intervalSeconds <= MAX_AUTOSAVE_INTERVAL)) {
    throw new RangeError(`faultguard: the autosave interval must be from ${MIN_AUTOSAVE_INTERVAL} to ${MAX_AUTOSAVE_INTERVAL} seconds, not ${interval}`);
  }
  return { path, intervalSeconds };
}
