// The recovery service: a Node process that a client (the VS Code extension, or any editor with an
// LSP client) starts and talks to over JSON-RPC, with the messages of protocol/RECOVERY-SERVICE.md.
// It watches autosave folders, judges runs, and does all decompression, off the editor's host.
import { dirname } from 'node:path';
import { createConnection, LSPErrorCodes, ProposedFeatures, ResponseError } from 'vscode-languageserver/node';
import {
  ConfigureNotification,
  DiscardRunRequest,
  ListRunsRequest,
  ReadRunRequest,
  ReadValueRequest,
  RecoverRunRequest,
  RefreshRequest,
  RunContentsChangedNotification,
  RunCrashedNotification,
  RunsChangedNotification,
  SaveValueRequest,
  type ServiceSettings,
} from '@faultguard/protocol/recovery-service';
import { AutosaveError, DEFAULT_MAX_DATA_BYTES } from '@faultguard/runtime/recovery';
import { RunCatalog } from './run-catalog';
import { RunReader } from './run-reader';
import { moveToTrash, NoTrashError, trashFor } from './trash';

declare const FAULTGUARD_VERSION: string;

const connection = createConnection(ProposedFeatures.all);
const log = (message: string) => connection.console.log(message);
let settings: ServiceSettings = { folders: [], maxInspectedBytes: DEFAULT_MAX_DATA_BYTES };

const catalog = new RunCatalog(
  {
    changed: (snapshot) => void connection.sendNotification(RunsChangedNotification, snapshot),
    crashed: (event) => void connection.sendNotification(RunCrashedNotification, event),
  },
  log,
);
const judge = () => (settings.staleAfterSeconds === undefined ? {} : { staleAfterSeconds: settings.staleAfterSeconds });
const reader = new RunReader(() => ({ maxBytes: settings.maxInspectedBytes, judge: judge() }), {
  log,
  contentsChanged: (file) => void connection.sendNotification(RunContentsChangedNotification, { file }),
});

/** Errors reach the client as a failed request with the message (which names the file) and its kind. */
function answer<P, R>(handle: (params: P) => R | Promise<R>): (params: P) => Promise<R> {
  return async (params) => {
    try {
      return await handle(params);
    } catch (error) {
      const problem = error instanceof AutosaveError ? error.problem : error instanceof NoTrashError ? 'no-trash' : 'failed';
      log(`error: ${(error as Error).message}`);
      throw new ResponseError(LSPErrorCodes.RequestFailed, (error as Error).message, { problem });
    }
  };
}

connection.onInitialize(() => ({ capabilities: {}, serverInfo: { name: 'faultguard-recovery', version: FAULTGUARD_VERSION } }));
// One configuration at a time, in the order sent: two quick changes must not leave two watchers.
let configuring = Promise.resolve();
connection.onNotification(ConfigureNotification, (next) => {
  configuring = configuring.then(async () => {
    settings = next;
    await catalog.configure(next);
  }).catch((error: Error) => log(`error: configure: ${error.message}`));
});
connection.onRequest(ListRunsRequest, () => catalog.snapshot());
connection.onRequest(RefreshRequest, () => catalog.refresh());
connection.onRequest(ReadRunRequest, answer(({ file }) => reader.contents(file)));
connection.onRequest(ReadValueRequest, answer((params) => reader.value(params)));
connection.onRequest(SaveValueRequest, answer((params) => reader.save(params)));
connection.onRequest(RecoverRunRequest, answer((params) => reader.recover(params)));
connection.onRequest(
  DiscardRunRequest,
  answer(({ file, trash }) => {
    // The trash is found before anything moves: a file system without one fails the request whole.
    const bin = trash ? trashFor(dirname(file)) : undefined;
    const trashed: string[] = [];
    const removed = reader.discard(file, bin === undefined ? undefined : (path) => void trashed.push(moveToTrash(path, bin)));
    catalog.forget(file);
    log(`discardRun ${file}: ${bin ? `moved ${removed.length} file(s) to ${bin}` : `deleted ${removed.length} file(s)`}`);
    return { removed, ...(bin && { trashed }) };
  }),
);
connection.onShutdown(() => catalog.dispose());
connection.listen();
