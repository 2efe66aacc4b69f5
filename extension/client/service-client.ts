import * as vscode from 'vscode';
import { LanguageClient, State, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  ConfigureNotification,
  RunCrashedNotification,
  RunsChangedNotification,
  type RunCrashed,
  type RunsSnapshot,
  type ServiceSettings,
} from '@faultguard/protocol/recovery-service';

/**
 * The recovery service, as the extension sees it: started once (a Node process of its own, over
 * IPC, as vscode-eslint runs its server), told what to watch, and heard from. Requests go through
 * `client.sendRequest` with the message types of protocol/src/recovery-service.ts. Should the
 * service crash, the client library restarts it, and it is told what to watch again.
 */
export class ServiceClient implements vscode.Disposable {
  readonly client: LanguageClient;
  private readonly runsEmitter = new vscode.EventEmitter<RunsSnapshot>();
  private readonly crashEmitter = new vscode.EventEmitter<RunCrashed>();
  readonly onRuns = this.runsEmitter.event;
  readonly onCrashed = this.crashEmitter.event;
  snapshot: RunsSnapshot = { runs: [], problems: [] };
  private starting: Promise<void> | undefined;

  constructor(
    context: vscode.ExtensionContext,
    private readonly settings: () => ServiceSettings,
  ) {
    const module = context.asAbsolutePath('extension/dist/service.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    // No documents: the service serves a view, not a language.
    const clientOptions: LanguageClientOptions = { documentSelector: [], outputChannelName: vscode.l10n.t('Faultguard Recovery Service') };
    this.client = new LanguageClient('faultguard', vscode.l10n.t('Faultguard Recovery Service'), serverOptions, clientOptions);
  }

  start(): Promise<void> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<void> {
    this.client.onNotification(RunsChangedNotification, (snapshot) => this.update(snapshot));
    this.client.onNotification(RunCrashedNotification, (event) => this.crashEmitter.fire(event));
    this.client.onDidChangeState(({ newState }) => {
      if (newState === State.Running) this.configure();
      else this.update({ runs: [], problems: [] }); // a stopped service's runs are not known to be current
    });
    await this.client.start();
  }

  /** Tells the running service the current settings; a service not running gets them when it starts. */
  configure(): void {
    if (!this.client.isRunning()) return;
    this.client.sendNotification(ConfigureNotification, this.settings()).catch((error: Error) => this.client.error('configure failed', error));
  }

  /** A snapshot from the service (pushed, or the answer to a refresh): what every view shows. */
  update(snapshot: RunsSnapshot): void {
    this.snapshot = snapshot;
    this.runsEmitter.fire(snapshot);
  }

  showLog(): void {
    this.client.outputChannel.show();
  }

  /** Stops the service, once it has started (or failed to); VS Code waits for this on deactivation. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (this.client.isRunning()) await this.client.stop();
  }

  dispose(): void {
    this.runsEmitter.dispose();
    this.crashEmitter.dispose();
  }
}
