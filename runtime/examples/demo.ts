// npm run demo: a guarded editor crashes by a real segmentation fault, its data is rescued by
// the guard at once, and recovered again from the autosave file it left on disk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const notes = join(__dirname, 'notes.js');
const cli = join(__dirname, '..', '..', 'runtime', 'dist', 'cli.js');
const folder = mkdtempSync(join(tmpdir(), 'faultguard-demo-'));

function step(title: string, args: string[]): number | string {
  const shown = args[0] === cli ? ['faultguard', ...args.slice(1)] : ['node', ...args];
  console.log(`\n$ ${shown.join(' ').replace(notes, 'notes.js').replace(folder, '<folder>')}   # ${title}`);
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  return result.signal ?? result.status ?? 'unknown';
}

try {
  const crashed = step('edit, then crash', ['--stack-size=50000', notes, 'edit', folder]);
  console.log(`  (the guard ended like the editor: ${crashed})`);
  const listed = step('what is on disk', [cli, 'ls', folder]);
  const recovered = step('next launch: recover from the autosave', [notes, 'recover', folder]);
  const ok = crashed === 'SIGSEGV' && listed === 0 && recovered === 0;
  console.log(ok ? '\nDemo complete: nothing typed was lost.' : '\nDemo failed: see above.');
  process.exitCode = ok ? 0 : 1;
} finally {
  rmSync(folder, { recursive: true, force: true });
}
