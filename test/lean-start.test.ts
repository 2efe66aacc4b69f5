// The installed `faultguard` command starts the guard's own Node without NODE_EXTRA_CA_CERTS and
// NODE_OPTIONS (runtime/bin/faultguard); everything the guard starts must still get exactly the
// environment it would have had without a guard.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, run, temporaryDirectory } from './helpers/processes';

const LAUNCHER = join(ROOT, 'runtime', 'bin', 'faultguard');
const dir = temporaryDirectory();
after(dir.remove);

/** Prints the program's environment and its guard's (the parent's, as the kernel started it), as JSON. */
const REPORT = `
const { readFileSync } = require('node:fs');
const guard = readFileSync('/proc/' + process.ppid + '/environ', 'utf8').split('\\0').filter(Boolean).map((entry) => entry.split('=')[0]);
console.log(JSON.stringify({ env: process.env, guard }));
process.exit(Number(process.argv[1] ?? 0));
`;

const { NODE_EXTRA_CA_CERTS: _ca, NODE_OPTIONS: _options, ...BASE } = process.env;
const CASES: Record<string, NodeJS.ProcessEnv> = {
  'both set': { ...BASE, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', NODE_OPTIONS: '--no-deprecation --max-old-space-size=200' },
  'both set, empty': { ...BASE, NODE_EXTRA_CA_CERTS: '', NODE_OPTIONS: '' },
  'both unset': { ...BASE },
};

/** What a program sees of its environment: the guard's own variables (SPEC §1) aside. */
function programView(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FAULTGUARD_JOURNAL: _journal, FAULTGUARD_PROTOCOL: _protocol, FAULTGUARD_CONTEXT: _context, ...rest } = env;
  return rest;
}

for (const [name, env] of Object.entries(CASES)) {
  test(`the program gets the environment it would have had (${name}); the guard's Node starts without them`, async () => {
    const environment = { ...env, FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
    const bare = await run(process.execPath, ['-e', REPORT], { env: environment });
    const guarded = await run(LAUNCHER, ['run', '--', process.execPath, '-e', REPORT], { env: environment });
    assert.equal(guarded.code, 0, guarded.stderr);
    const expected = JSON.parse(bare.stdout).env;
    const seen = JSON.parse(guarded.stdout);
    assert.deepEqual(programView(seen.env), expected);
    assert.ok(!seen.guard.includes('NODE_EXTRA_CA_CERTS') && !seen.guard.includes('NODE_OPTIONS'), `the guard's Node was started with ${seen.guard.filter((v: string) => v.startsWith('NODE_')).join(', ')}`);
  });
}

test('an --on-crash command gets the variables back too', async () => {
  const report = join(dir.path, 'on-crash-env');
  const env: NodeJS.ProcessEnv = { ...CASES['both set'], FAULTGUARD_JOURNAL_DIR: join(dir.path, 'journals') };
  const result = await run(LAUNCHER, ['run', '-q', '--on-crash', `env > ${report}`, '--', process.execPath, '-e', 'process.exit(3)'], { env });
  assert.equal(result.code, 3, result.stderr);
  const lines = readFileSync(report, 'utf8').split('\n');
  assert.ok(lines.includes(`NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}`));
  assert.ok(lines.includes(`NODE_OPTIONS=${env.NODE_OPTIONS}`));
  assert.ok(!lines.some((line) => line.startsWith('FAULTGUARD_KEPT_')), 'the launcher\'s own names are gone');
});
