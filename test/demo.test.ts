import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, run } from './helpers/processes';

test("the quick start's demo: a real segfault, an immediate rescue, a recovery from the autosave", async () => {
  const result = await run(process.execPath, [join(ROOT, 'out', 'examples', 'demo.js')]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /guard: the editor died: segmentation fault \(SIGSEGV\)/);
  assert.match(result.stdout, /guard: rescued 4 values at once/);
  assert.match(result.stdout, /\$ faultguard ls <folder>.*\n.*\n\S+\.fgsave\s+crashed\s+\d+\s+\S+\s+node notes\.js edit .*segmentation fault \(SIGSEGV\)/);
  assert.match(result.stdout, /fgsave: .*notes\.js edit .*: crashed, segmentation fault \(SIGSEGV\)\n/);
  assert.match(result.stdout, /recovered; autosave removed/);
  assert.equal(result.stdout.match(/paragraph 3: "The editor is about to call/g)?.length, 2, 'rescued, then recovered');
  assert.match(result.stdout, /Demo complete: nothing typed was lost/);
});
