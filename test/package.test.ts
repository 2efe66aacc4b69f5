// The npm package as its users get it: `npm pack` of runtime/ (its bundles and types are built by
// `npm test` before the suite runs: npm run build, npm run build:package; packing again here
// would rewrite the CLI other test files are running), installed from the tarball into a project
// outside this repository, with no registry and an empty cache, and used there as a user would.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SEGV_NODE_OPTIONS } from './fixtures/crash';
import { docGaps } from './helpers/api-docs';
import { ROOT, run, temporaryDirectory, type Finished } from './helpers/processes';

const dir = temporaryDirectory('faultguard-package-');
after(dir.remove);
const project = join(dir.path, 'project');
const manifest = JSON.parse(readFileSync(join(ROOT, 'runtime', 'package.json'), 'utf8')) as Record<string, unknown> & { version: string };
let tarball = '';
let packed: string[] = [];

/** npm as a user without network runs it: no registry to reach, a cache of its own. */
function npm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return run('npm', args, {
    cwd,
    deadlineMs: 120_000,
    env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true', npm_config_cache: join(dir.path, 'npm-cache'), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env },
  });
}

async function pack(folder: string): Promise<string> {
  const result = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path, folder], ROOT);
  assert.equal(result.code, 0, result.stderr);
  const [{ filename, files }] = JSON.parse(result.stdout) as [{ filename: string; files: { path: string }[] }];
  if (folder === './runtime') packed = files.map((file) => file.path).sort();
  return join(dir.path, filename);
}

before(async () => {
  tarball = await pack('./runtime');
  // The consumer's own dev dependency, for type-checking: @types/node as this repository has it.
  const types = [await pack('./node_modules/@types/node'), await pack('./node_modules/undici-types')];
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
  const installed = await npm(['install', tarball, ...types], project);
  assert.equal(installed.code, 0, installed.stderr);
});

test('the tarball holds the launcher, the bundles, their types, the man page, README, LICENSE and CHANGELOG: nothing else', () => {
  assert.deepEqual(packed, ['CHANGELOG.md', 'LICENSE', 'README.md', 'bin/faultguard', 'dist/cli.js', 'dist/faultguard.1', 'dist/index.d.mts', 'dist/index.d.ts', 'dist/index.js', 'dist/index.mjs', 'package.json']);
  assert.equal(readFileSync(join(ROOT, 'runtime', 'LICENSE'), 'utf8'), readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
  assert.equal(readFileSync(join(ROOT, 'protocol', 'LICENSE'), 'utf8'), readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
  assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n/);
});

test('the manifest is publishable: no dependencies, engines, os, bin, man and an exports map', () => {
  const installed = JSON.parse(readFileSync(join(project, 'node_modules', 'faultguard', 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(installed.private, undefined);
  assert.equal(installed.license, 'MIT');
  assert.equal(installed.dependencies, undefined);
  assert.deepEqual(installed.engines, { node: '>=20.16' });
  assert.deepEqual(installed.os, ['linux']);
  assert.deepEqual(installed.bin, { faultguard: 'bin/faultguard' });
  assert.deepEqual(Object.keys(installed.exports as object), ['.', './package.json']);
  // Nothing came along: the project holds the package and the two it asked for itself.
  assert.deepEqual(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.')).sort(), ['@types', 'faultguard', 'undici-types']);
});

test('npx faultguard works in the project, and a guarded program that dies of SIGSEGV is rescued and recovered', async () => {
  const version = await npm(['exec', '--', 'faultguard', '--version'], project);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout, `faultguard ${manifest.version}\n`);
  writeFileSync(join(project, 'notes.cjs'), `const { connect } = require('faultguard');
const data = connect();
data.set('draft', 'typed before the crash');
(function recurse(depth) { return recurse(depth + 1) + 1; })(0); // past the real stack: SIGSEGV
`);
  // The command npm linked, run directly: the guard ends as its program did, by the same signal.
  const faultguard = join(project, 'node_modules', '.bin', 'faultguard');
  const crashed = await run(faultguard, ['run', '--autosave', 'saves/', '--json', '--', 'node', ...SEGV_NODE_OPTIONS, 'notes.cjs'], { cwd: project });
  assert.equal(crashed.signal, 'SIGSEGV', crashed.stderr);
  const record = JSON.parse(crashed.stdout.trim().split('\n').at(-1)!) as { exit: { reason: string } };
  assert.equal(record.exit.reason, 'segmentation fault (SIGSEGV)');
  const [save] = readdirSync(join(project, 'saves')).filter((name) => name.endsWith('.fgsave'));
  const recovered = await run(faultguard, ['recover', join('saves', save), '--out', 'rescued'], { cwd: project });
  assert.equal(recovered.code, 0, recovered.stderr);
  assert.equal(JSON.parse(readFileSync(join(project, 'rescued', 'draft.json'), 'utf8')), 'typed before the crash');
});

test('import (ESM) and require (CJS) give the same runtime, start() rescues a real SIGSEGV, and dist/ is not reachable', async () => {
  writeFileSync(join(project, 'app.mjs'), `import { createRequire } from 'node:module';
import * as imported from 'faultguard';
import { start } from 'faultguard';
const require = createRequire(import.meta.url);
const required = require('faultguard');
const same = Object.keys(required).sort().join() === Object.keys(imported).sort().join() && required.StartError === imported.StartError && required.start === start;
await start(
  (data) => {
    data.set('document', { text: 'typed before the crash' });
    (function recurse(depth) { return recurse(depth + 1) + 1; })(0);
  },
  (data, exit) => console.log(JSON.stringify({ same, version: require('faultguard/package.json').version, exit: exit.reason, document: data.get('document') })),
  { exit: false },
);
try {
  require('faultguard/dist/cli.js');
} catch (error) {
  console.log(error.code);
}
`);
  const result = await run(process.execPath, [...SEGV_NODE_OPTIONS, 'app.mjs'], { cwd: project });
  assert.equal(result.code, 0, result.stderr);
  const [rescued, refused] = result.stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(rescued), { same: true, version: manifest.version, exit: 'segmentation fault (SIGSEGV)', document: { text: 'typed before the crash' } });
  assert.equal(refused, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});

const CONSUMER = `import { start, listAutosaves, Status, StartError, readJournal, type DataReader, type ExitRecord, type GuardedData, type Listing } from 'faultguard';

const listed: readonly Listing[] = listAutosaves(['.']).listings;
const first: Listing | undefined = listed[0];
const describe = (data: DataReader, exit: ExitRecord | null): string => \`\${data.size} values; \${exit?.reason ?? 'no end recorded'}; \${first?.state ?? 'none'}\`;
export const status: number = Status.guardFailed;
export const refused = new StartError('refused', Status.usage);
export function keys(path: string): string[] {
  const data = readJournal(path);
  try {
    return [...data.keys()];
  } finally {
    data.close();
  }
}
export function main(): Promise<number> {
  return start<string>((data: GuardedData, word) => void data.set('word', word), (data, exit) => console.log(describe(data, exit)), { args: 'hello', exit: false, autosavePath: 'saves/' });
}
`;
const CJS_CONSUMER = `import faultguard = require('faultguard');
export const count: number = faultguard.listAutosaves(['.']).listings.length + faultguard.Status.ok;
`;

async function typeCheck(resolution: 'node16' | 'bundler' | 'node10'): Promise<string> {
  const folder = join(project, `types-${resolution}`);
  mkdirSync(folder);
  const files = resolution === 'node16' ? ['consumer.mts', 'consumer.cts'] : ['consumer.ts'];
  writeFileSync(join(folder, files[0]), CONSUMER);
  if (resolution === 'node16') writeFileSync(join(folder, files[1]), CJS_CONSUMER);
  const module = { node16: 'node16', bundler: 'preserve', node10: 'commonjs' }[resolution];
  const compilerOptions = { target: 'ES2022', module, moduleResolution: resolution, strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, types: ['node'] };
  writeFileSync(join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
  // This repository's compiler, run on the project; skipLibCheck is off, so faultguard's .d.ts is checked too.
  const checked = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', folder, '--explainFiles'], { cwd: project, deadlineMs: 120_000 });
  assert.equal(checked.code, 0, `${resolution}:\n${checked.stdout.split('\n').filter((line) => /error TS/.test(line)).join('\n')}`);
  return checked.stdout;
}

test('a strict consumer type-checks under moduleResolution node16 (ESM and CJS files), bundler and node10, without skipLibCheck', async () => {
  const [node16] = await Promise.all([typeCheck('node16'), typeCheck('bundler'), typeCheck('node10')]);
  // Each kind of file gets the declarations of its own condition.
  assert.match(node16, /node_modules\/faultguard\/dist\/index\.d\.mts\n.*consumer\.mts/);
  assert.match(node16, /node_modules\/faultguard\/dist\/index\.d\.ts\n.*consumer\.cts/);
});

test('npm install --global of the tarball puts faultguard and its man page on the PATH', async () => {
  const prefix = join(dir.path, 'global');
  const installed = await npm(['install', '--global', '--prefix', prefix, tarball], dir.path);
  assert.equal(installed.code, 0, installed.stderr);
  const version = await run(join(prefix, 'bin', 'faultguard'), ['--version']);
  assert.equal(version.stdout, `faultguard ${manifest.version}\n`);
  assert.ok(existsSync(join(prefix, 'share', 'man', 'man1', 'faultguard.1')), 'man faultguard finds it');
});

test("in a checkout, npm link -w runtime puts the checkout's faultguard on the PATH, as the README says", async () => {
  const prefix = join(dir.path, 'linked');
  const linked = await npm(['link', '--workspace', 'runtime'], ROOT, { npm_config_prefix: prefix });
  assert.equal(linked.code, 0, linked.stderr);
  const bin = join(prefix, 'bin', 'faultguard');
  assert.equal(realpathSync(bin), join(ROOT, 'runtime', 'bin', 'faultguard'), 'it follows the checkout: a rebuild is what runs');
  const version = await run(bin, ['--version']);
  assert.equal(version.stdout, `faultguard ${manifest.version}\n`);
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /npm link -w runtime/);
});

test('every declaration in the published types has a doc comment with an example, and every member one of its own', () => {
  assert.deepEqual(docGaps(join(project, 'node_modules', 'faultguard', 'dist', 'index.d.ts')), []);
});

test('the API reference the README links to is what TypeDoc makes of the published types today', async () => {
  const out = join(dir.path, 'api');
  const made = await run(process.execPath, [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--options', join(ROOT, 'runtime', 'typedoc.json'), '--out', out], { cwd: join(ROOT, 'runtime'), deadlineMs: 120_000 });
  assert.equal(made.code, 0, made.stdout + made.stderr);
  const committed = join(ROOT, 'runtime', 'docs', 'api', 'README.md');
  assert.equal(readFileSync(committed, 'utf8'), readFileSync(join(out, 'README.md'), 'utf8'), 'run `npm run docs` and commit runtime/docs/api/');
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /\(runtime\/docs\/api\/README\.md\)/);
});
