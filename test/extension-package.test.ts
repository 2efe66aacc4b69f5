// `npm run package`'s .vsix (its packaging half, `npm run vsix`: the suite has built already, and
// rebuilding would rewrite fixtures that other test files are running): it holds the manifest, its
// strings and the three bundles, nothing else, and what it holds works (the manifest's entry point,
// every %key%, the shipped CLI).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, run, temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory();
after(dir.remove);
const unpacked = join(dir.path, 'vsix');
const vsix = join(ROOT, 'faultguard.vsix');

function filesIn(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesIn(path) : [relative(unpacked, path)];
  });
}

before(async () => {
  const packaged = await run('npm', ['run', 'vsix', '--silent'], { cwd: ROOT, deadlineMs: 120_000 });
  assert.equal(packaged.code, 0, packaged.stderr + packaged.stdout);
  // A .vsix is a zip; Python's zipfile is on every machine the suite runs on (.ci/run).
  const extracted = await run('python3', ['-m', 'zipfile', '-e', vsix, unpacked]);
  assert.equal(extracted.code, 0, extracted.stderr);
});

test('the .vsix holds the manifest, its strings, the licence, the bundles and the icon: no sources, maps or node_modules', () => {
  assert.deepEqual(filesIn(unpacked).sort(), [
    '[Content_Types].xml',
    'extension.vsixmanifest',
    'extension/LICENSE.txt',
    'extension/extension/dist/extension.js',
    'extension/extension/dist/faultguard.js',
    'extension/extension/dist/service.js',
    'extension/extension/media/faultguard.svg',
    'extension/package.json',
    'extension/package.nls.json',
    'extension/readme.md',
  ]);
  assert.ok(statSync(vsix).size < 1024 * 1024, `the .vsix is ${statSync(vsix).size} bytes`);
});

test('the packaged manifest points at files it holds, and every %string% it uses is defined', () => {
  const manifest = readFileSync(join(unpacked, 'extension/package.json'), 'utf8');
  const { main, contributes } = JSON.parse(manifest) as { main: string; contributes: { viewsContainers: { activitybar: { icon: string }[] } } };
  statSync(join(unpacked, 'extension', main));
  statSync(join(unpacked, 'extension', contributes.viewsContainers.activitybar[0].icon));
  const strings = JSON.parse(readFileSync(join(unpacked, 'extension/package.nls.json'), 'utf8')) as Record<string, string>;
  const used = [...manifest.matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]);
  assert.ok(used.length > 20, 'the manifest takes its words from package.nls.json');
  assert.deepEqual(used.filter((key) => !(key in strings)), []);
});

test('the CLI shipped for guarded runs works on its own', async () => {
  const version = await run(process.execPath, [join(unpacked, 'extension/extension/dist/faultguard.js'), '--version']);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), `faultguard ${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
});
