// What every editor scenario file sets up: one code-server with the packaged extension (and any
// options), one browser, a scratch folder, and windows opened on a workspace and always closed.
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import { ROOT, temporaryDirectory } from '../helpers/processes';
import { cleanUp } from './clean-up';
import { startCodeServer, type CodeServer, type ServerOptions } from './code-server';
import { Workbench, launchBrowser } from './workbench';

export interface EditorSession {
  readonly scratch: string;
  /** The server, once started (in the file's `before`). */
  server(): CodeServer & { readonly data: string };
  /** A window on `folder` (or a .code-workspace file), closed when `body` is done, whatever happens. */
  inWindow(folder: string, body: (workbench: Workbench) => Promise<void>): Promise<void>;
}

/** Registers the file's `before` and `after`; `options` may be computed in `before` (they need the scratch folder). */
export function editorSession(prefix: string, options: (scratch: string) => ServerOptions = () => ({})): EditorSession {
  const scratch = temporaryDirectory(prefix);
  let server: (CodeServer & { readonly data: string }) | undefined;
  let browser: Browser | undefined;
  before(async () => {
    server = await startCodeServer(join(ROOT, 'faultguard.vsix'), options(scratch.path));
    browser = await launchBrowser();
  });
  after(() => cleanUp(() => browser?.close(), () => server?.stop(), () => scratch.remove()));
  return {
    scratch: scratch.path,
    server: () => server!,
    async inWindow(folder, body) {
      const workbench = await Workbench.open(browser!, server!, folder);
      try {
        await body(workbench);
      } finally {
        await workbench.close();
      }
    },
  };
}
