// Stores a load through start(), says so, and waits to be killed. The rescue stamps the time
// before anything else, so the harness can tell how long SIGKILL took to reach it.
// Usage: node guarded-holder.js <count> <size>
import { start } from '@faultguard/runtime';
import { announceReady, announceRescued, HOLDER_AUTOSAVE, holdUntilKilled, loadValues, parseLoad } from './holder';

const load = parseLoad(process.argv.slice(2));

void start(
  async (data) => {
    for (const [key, value] of loadValues(load)) data.set(key, value);
    announceReady(data.journalPath);
    await holdUntilKilled();
  },
  (data) => announceRescued(process.hrtime.bigint(), data.size),
  { exit: false, autosavePath: process.env[HOLDER_AUTOSAVE], autosaveInterval: process.env[HOLDER_AUTOSAVE] ? 1 : undefined },
);
