import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
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
 * `client.sendRequest` with the message types of protocol/src/recovery-service.ts.
 */
export class ServiceClient implements vscode.Disposable {
  readonly client: LanguageClient;
  private readonly runsEmitter = new vscode.EventEmitter<RunsSnapshot>();
  private readonly crashEmitter = new vscode.EventEmitter<RunCrashed>();
  readonly onRuns = this.runsEmitter.event;
  readonly onCrashed = this.crashEmitter.event;
  snapshot: RunsSnapshot = { runs: [], problems: [] };

  constructor(context: vscode.ExtensionContext) {
    const module = context.asAbsolutePath('extension/dist/service.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    // No documents: the service serves a view, not a language.
    const clientOptions: LanguageClientOptions = { documentSelector: [], outputChannelName: vscode.l10n.t('Faultguard Recovery Service') };
    this.client = new LanguageClient('faultguard', vscode.l10n.t('Faultguard Recovery Service'), serverOptions, clientOptions);
  }

  async start(settings: ServiceSettings): Promise<void> {
    this.client.onNotification(RunsChangedNotification, (snapshot) => {
      this.snapshot = snapshot;
      this.runsEmitter.fire(snapshot);
    });
    this.client.onNotification(RunCrashedNotification, (event) => this.crashEmitter.fire(event));
    await this.client.start();
    await this.configure(settings);
  }

  configure(settings: ServiceSettings): Promise<void> {
    return this.client.sendNotification(ConfigureNotification, settings);
  }

  showLog(): void {
    this.client.outputChannel.show();
  }

  dispose(): void {
    void this.client.stop();
    this.runsEmitter.dispose();
    this.crashEmitter.dispose();
  }
}
