// CRC-32 (ISO-HDLC, as zlib's crc32), the checksum of every journal record.

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** Below this many bytes a table loop beats the native call, whose fixed cost dominates. */
const NATIVE_FROM = 128;

/** CRC-32 of bytes[start, end), continuing from `previous` (0 to begin). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  // zlib is loaded on first use: loading it costs every process some milliseconds at start-up,
  // and a guard that only starts a program never needs it.
  if (end - start >= NATIVE_FROM) return process.getBuiltinModule('node:zlib').crc32(bytes.subarray(start, end), previous);
  let c = ~previous;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
