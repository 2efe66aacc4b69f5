// The reference for guarded-holder: the least any Node guard does. A child appends the same
// load to a file with writeSync(); this parent, when the child's exit event arrives, reads the
// file back and stamps the time.
// Usage: node bare-holder.js <count> <size> <data file>
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { announceReady, announceRescued, holdUntilKilled, loadValues, parseLoad } from './holder';

const [count, size, file, role] = process.argv.slice(2);
const load = parseLoad([count, size]);
if (file === undefined) throw new Error('usage: bare-holder.js <count> <size> <data file>');

async function child(): Promise<void> {
  const fd = openSync(file, 'w', 0o600);
  let end = 0;
  for (const [, value] of loadValues(load)) end += writeSync(fd, value, 0, value.length, end);
  announceReady(file);
  await holdUntilKilled();
  closeSync(fd);
}

function parent(): void {
  const program = spawn(process.execPath, [__filename, count, size, file, 'child'], { stdio: 'inherit' });
  program.once('exit', () => {
    const bytes = readFileSync(file);
    announceRescued(process.hrtime.bigint(), bytes.length / load.size);
    unlinkSync(file);
  });
}

if (role === 'child') void child();
else parent();
