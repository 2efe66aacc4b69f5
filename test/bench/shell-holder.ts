// Stores a load through the client as any program under `faultguard run` does (connect()), says
// so, and waits to be killed: the program of the shell rescue's figure.
// Usage: faultguard run --on-crash <command> -- node shell-holder.js <count> <size>
import { connect } from '@faultguard/runtime';
import { announceReady, holdUntilKilled, loadValues, parseLoad } from './holder';

const data = connect();
if (!data) throw new Error('shell-holder.js runs under faultguard run');
for (const [key, value] of loadValues(parseLoad(process.argv.slice(2)))) data.set(key, value);
announceReady(data.journalPath);
void holdUntilKilled();
