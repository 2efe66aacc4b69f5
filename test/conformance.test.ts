// Every conformance scenario (conformance/scenarios.ts) against every client (conformance/adapters/).
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLIENTS } from './conformance/adapters';
import { SCENARIOS } from './conformance/scenarios';
import { temporaryDirectory } from './helpers/processes';

const dir = temporaryDirectory('faultguard-conformance-');
after(dir.remove);

for (const client of CLIENTS) {
  describe(`${client.name} client`, () => {
    for (const scenario of SCENARIOS) {
      test(scenario.name, () => scenario.run(client, { dir: mkdtempSync(join(dir.path, 'scenario-')), clients: CLIENTS }));
    }
  });
}
