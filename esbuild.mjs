// Builds the runtime bundles (the CLI and the library), the extension (its host part, its recovery
// service, and a copy of the CLI for guarded runs), the examples, and the tests and benchmarks.
// Type checking is tsc's job (npm run typecheck); esbuild only strips types and bundles.
import { build } from 'esbuild';
import { cpSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  define: { FAULTGUARD_VERSION: JSON.stringify(version) },
};

const shipped = { minify: true, keepNames: true };

function tsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

// The Python client ships in the .vsix as it is at build time, put on guarded Python programs' PYTHONPATH.
rmSync('extension/python', { recursive: true, force: true });
cpSync('runtime/python/faultguard', 'extension/python/faultguard', { recursive: true, filter: (path) => !/__pycache__|\.pyc$/.test(path) });

await Promise.all([
  build({ ...common, entryPoints: ['runtime/src/cli/main.ts'], outfile: 'runtime/dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...common, entryPoints: ['runtime/src/index.ts'], outfile: 'runtime/dist/index.js' }),
  // The extension ships bundles only (no node_modules), minified (names kept, for readable stack
  // traces in the service log): `vscode` is the one module the host provides.
  build({ ...common, ...shipped, entryPoints: ['extension/client/extension.ts'], outfile: 'extension/dist/extension.js', external: ['vscode'] }),
  build({ ...common, ...shipped, entryPoints: ['extension/service/service.ts'], outfile: 'extension/dist/service.js' }),
  build({ ...common, entryPoints: ['extension/cli/faultguard.ts'], outfile: 'extension/dist/faultguard.js', banner: { js: '#!/usr/bin/env node' } }),
  // Tests, fixtures and benchmarks bundle the runtime from source (tsconfig.base.json's paths):
  // one copy of every module per program, whether a test imports the public API or an internal module.
  build({ ...common, entryPoints: tsFiles('test'), outdir: 'out/test', outbase: 'test', external: ['playwright-core'] }),
  // Extension-host tests (mocha inside VS Code; see .vscode-test.mjs), kept apart from the Node suite.
  build({ ...common, entryPoints: tsFiles('extension/test'), outdir: 'out/extension-tests', external: ['vscode', 'mocha'] }),
  build({ ...common, entryPoints: tsFiles('runtime/examples'), outdir: 'out/examples' }),
]);
