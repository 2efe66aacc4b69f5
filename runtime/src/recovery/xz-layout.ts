import { readExactly } from '../files/byte-io';

const STREAM_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const HEADER_AND_FOOTER = 12;

/**
 * Checks that the file's bytes [start, end) are .xz streams and nothing else (protocol/SPEC.md
 * §7.1, §7.3 check 7): no stream padding between or after them. Decoders accept padding (XZ
 * Utils' `xz` and XZ Embedded do, Python's lzma does not), so a reader that left it to them would
 * read a file another refuses; walking the streams makes every Faultguard reader refuse it alike.
 *
 * The walk goes from the end: each stream's footer gives its index's size, the index its blocks'
 * sizes, and so where the stream starts. Meant for data a decoder has just accepted: it reports
 * what is not a whole stream, it does not verify one.
 */
export function checkWholeStreams(fd: number, start: number, end: number): void {
  for (let at = end; at > start; ) {
    if (at - start < 2 * HEADER_AND_FOOTER) throw new Error(`the first ${at - start} bytes of the data are not a whole .xz stream`);
    const footer = readExactly(fd, at - HEADER_AND_FOOTER, HEADER_AND_FOOTER);
    if (footer[10] !== 0x59 || footer[11] !== 0x5a) {
      const padding = footer.readUInt32LE(8) === 0;
      throw new Error(padding ? `stream padding before byte ${at - start} of the data: only whole .xz streams are allowed there` : `no .xz stream footer before byte ${at - start} of the data`);
    }
    const indexSize = (footer.readUInt32LE(4) + 1) * 4;
    const indexStart = at - HEADER_AND_FOOTER - indexSize;
    if (indexStart - HEADER_AND_FOOTER < start) throw new Error(`the .xz index before byte ${at - start} of the data reaches before its start`);
    const streamStart = indexStart - blocksSize(readExactly(fd, indexStart, indexSize)) - HEADER_AND_FOOTER;
    if (streamStart < start || !readExactly(fd, streamStart, STREAM_MAGIC.length).equals(STREAM_MAGIC)) {
      throw new Error(`the .xz stream that ends at byte ${at - start} of the data does not start where its index says`);
    }
    at = streamStart;
  }
}

/** The blocks' bytes an .xz index records: each block's unpadded size, padded to 4 bytes. */
function blocksSize(index: Buffer): number {
  let position = 1; // the index indicator, 0x00
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; position < index.length && shift < 63; shift += 7) {
      const byte = index[position++];
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error('an .xz index with a broken number');
  };
  let total = 0;
  for (let records = varint(); records > 0; records--) {
    total += Math.ceil(varint() / 4) * 4;
    varint(); // the block's uncompressed size
  }
  return total;
}
