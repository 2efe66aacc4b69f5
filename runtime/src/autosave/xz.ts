type Xz = typeof import('@napi-rs/lzma').xz;
let xz: Xz | undefined;

/**
 * The native xz codec, loaded on first use: a guard without autosave never pays for loading it,
 * and a missing native build is reported when autosave is asked for, not at every start-up.
 */
export function loadXz(): Xz {
  if (!xz) {
    try {
      xz = (require('@napi-rs/lzma') as typeof import('@napi-rs/lzma')).xz;
    } catch (error) {
      throw new Error(`the xz codec (@napi-rs/lzma) is not available: ${(error as Error).message}`);
    }
  }
  return xz;
}
