// Builds the runtime package (its CLI, its library as CommonJS with an ES module entry, and the
// man page), the extension (its host part, its recovery service, and a copy of the CLI for
// guarded runs), the examples, and the tests and benchmarks. `node esbuild.mjs runtime` builds
// the runtime package alone (its `prepack`).
// Type checking is tsc's job (npm run typecheck); esbuild only strips types and bundles.
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

process.chdir(import.meta.dirname); // `prepack` runs in runtime/
const require = createRequire(import.meta.url);

// The CLI reports the version of the package it ships in.
const { version } = JSON.parse(readFileSync('runtime/package.json', 'utf8'));
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
// The npm package ships readable code and no source maps (users debug what they installed).
const published = { ...common, sourcemap: false };
const CLI_BANNER = { js: '#!/usr/bin/env node' };

function tsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

async function buildRuntimePackage() {
  await Promise.all([
    build({ ...published, entryPoints: ['runtime/src/cli/main.ts'], outfile: 'runtime/dist/cli.js', banner: CLI_BANNER }),
    build({ ...published, entryPoints: ['runtime/src/index.ts'], outfile: 'runtime/dist/index.js' }),
    build({ ...published, entryPoints: ['runtime/src/cli/man-page.ts'], outfile: 'out/build/man-page.js' }),
  ]);
  writeEsmEntry();
  writeFileSync('runtime/dist/faultguard.1', require(resolve('out/build/man-page.js')).manPage(version));
}

/**
 * The ES module entry re-exports the CommonJS bundle, name by name, rather than being a second
 * bundle: `import` and `require` in one program then share one runtime (one class per error,
 * one connection to the guard).
 */
function writeEsmEntry() {
  const names = Object.keys(require(resolve('runtime/dist/index.js'))).sort();
  writeFileSync(
    'runtime/dist/index.mjs',
    `// The ES module entry: the CommonJS bundle's exports, so that import and require share one runtime.\nimport runtime from './index.js';\n\nexport const {\n${names.map((name) => `  ${name},`).join('\n')}\n} = runtime;\n`,
  );
}

if (process.argv[2] === 'runtime') {
  await buildRuntimePackage();
} else {
  await Promise.all([
    buildRuntimePackage(),
    // The extension ships bundles only (no node_modules), minified (names kept, for readable stack
    // traces in the service log): `vscode` is the one module the host provides.
    build({ ...common, ...shipped, entryPoints: ['extension/client/extension.ts'], outfile: 'extension/dist/extension.js', external: ['vscode'] }),
    build({ ...common, ...shipped, entryPoints: ['extension/service/service.ts'], outfile: 'extension/dist/service.js' }),
    build({ ...common, entryPoints: ['runtime/src/cli/main.ts'], outfile: 'extension/dist/faultguard.js', banner: CLI_BANNER }),
    // Tests, fixtures and benchmarks bundle the runtime from source (tsconfig.base.json's paths):
    // one copy of every module per program, whether a test imports the public API or an internal module.
    build({ ...common, entryPoints: tsFiles('test'), outdir: 'out/test', outbase: 'test', external: ['playwright-core'] }),
    // Extension-host tests (mocha inside VS Code; see .vscode-test.mjs), kept apart from the Node suite.
    build({ ...common, entryPoints: tsFiles('extension/test'), outdir: 'out/extension-tests', external: ['vscode', 'mocha'] }),
    build({ ...common, entryPoints: tsFiles('runtime/examples'), outdir: 'out/examples' }),
  ]);
}
