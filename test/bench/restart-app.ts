// The program the restart benchmark guards. Its first run stores the load and prints
// "ready <pid>"; a later run (a restart: its marker file exists) stores one small value and prints
// "acknowledged <ms since the epoch>" the moment that set() has returned, then exits.
// Usage: node restart-app.js <marker file> <value bytes> <values>
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from '@faultguard/runtime';

const [marker, bytes, count] = process.argv.slice(2);
const data = connect();
if (!data) throw new Error('restart-app runs under faultguard run');
if (existsSync(marker)) {
  data.set('after restart', 1);
  process.stdout.write(`acknowledged ${performance.timeOrigin + performance.now()}\n`);
} else {
  writeFileSync(marker, '');
  const value = Buffer.alloc(Number(bytes), 7);
  for (let i = 0; i < Number(count); i++) data.set(`value ${i}`, value);
  process.stdout.write(`ready ${process.pid}\n`);
  setInterval(() => undefined, 60_000);
}
