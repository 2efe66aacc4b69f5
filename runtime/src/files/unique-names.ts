// The parts that make file names unique: random ones (temporary files, nonces) and ones derived
// from content (a key's digest, a stale lock's). node:crypto is loaded on first use: loading it
// costs a process milliseconds at start-up, and a guard that only starts a program needs none.

/** `bytes` random bytes as hex. */
export function randomHex(bytes: number): string {
  return process.getBuiltinModule('node:crypto').randomBytes(bytes).toString('hex');
}

/** The first `length` hex digits of the SHA-256 of `data` (a string as UTF-8). */
export function digestHex(data: string | Uint8Array, length: number): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(data).digest('hex').slice(0, length);
}
