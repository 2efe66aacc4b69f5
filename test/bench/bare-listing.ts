// The reference for `faultguard ls`: the least any lister of autosaves does. For each entry of
// the folder: stat it, open it, read its first 4 KiB (enough for a header), close it, and print
// a line. Usage: node bare-listing.js <folder>
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';

const folder = process.argv[2];
if (folder === undefined) throw new Error('usage: bare-listing.js <folder>');
const head = Buffer.alloc(4096);
const lines: string[] = [];
for (const name of readdirSync(folder).sort()) {
  const path = `${folder}/${name}`;
  const { size } = statSync(path);
  const fd = openSync(path, 'r');
  const got = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  lines.push(`${name}  ${size}  ${got}`);
}
process.stdout.write(`${lines.join('\n')}\n`);
