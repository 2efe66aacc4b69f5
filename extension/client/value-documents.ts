import * as vscode from 'vscode';
import { formatBytes } from '@faultguard/protocol';
import { ReadValueRequest, type Rendering, type RunSummary, type ValueView } from '@faultguard/protocol/recovery-service';
import { savedVersion } from './run-presentation';
import type { ServiceClient } from './service-client';
import { valueOf } from './value-uri';

/**
 * Read-only documents of rescued values (scheme `faultguard-value`), rendered by the service:
 * JSON pretty-printed, text as text, bytes as a hex dump. A large value shows its first page and
 * says so at the end, where it does not get in the way of the data. An open value of a live run
 * follows its saves.
 */
export class ValueDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  /** How each open value was shown, and from which save: JSON documents get the JSON language. */
  private readonly shown = new Map<string, { uri: vscode.Uri; file: string; saved: string; rendering: Rendering; partial: boolean }>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: ServiceClient) {
    this.subscription = service.onRuns(() => this.followSaves());
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }

  private runOf(file: string): RunSummary | undefined {
    return this.service.snapshot.runs.find((run) => run.file === file);
  }

  /**
   * Asks the editor to read again every open value whose autosave has been saved anew, and forgets
   * values no longer open. (Not on close events: giving a document its language closes and reopens it.)
   */
  private followSaves(): void {
    const open = new Set(vscode.workspace.textDocuments.map((document) => document.uri.toString()));
    for (const [key, shown] of this.shown) {
      if (!open.has(key)) {
        this.shown.delete(key);
        continue;
      }
      const run = this.runOf(shown.file);
      if (run && savedVersion(run) !== shown.saved) this.changeEmitter.fire(shown.uri); // a discarded run's page stays as it was
    }
  }

  /** Opens a value in an editor, in the language of its rendering; says whether it shows only a page. */
  async show(uri: vscode.Uri): Promise<{ partial: boolean }> {
    let document = await vscode.workspace.openTextDocument(uri);
    const shown = this.shown.get(uri.toString());
    if (shown?.rendering === 'json') document = await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
    return { partial: shown?.partial ?? false };
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const params = valueOf(uri);
    if (!params) throw new Error(vscode.l10n.t('Not a Faultguard value: {0}', uri.toString()));
    const saved = savedVersion(this.runOf(params.file));
    let view: ValueView;
    try {
      view = await this.service.client.sendRequest(ReadValueRequest, params, token);
    } catch (error) {
      // Asked again only after the next save, not at every snapshot.
      const before = this.shown.get(uri.toString());
      this.shown.set(uri.toString(), { uri, file: params.file, saved, rendering: before?.rendering ?? 'text', partial: before?.partial ?? false });
      throw error;
    }
    const partial = view.shownBytes < view.size;
    this.shown.set(uri.toString(), { uri, file: params.file, saved, rendering: view.rendering, partial });
    if (!partial) return view.text;
    return `${view.text}\n${vscode.l10n.t(
      '… partial: the first {0} of {1} ({2}). Use "Faultguard: Save Value As…" for the whole value.',
      formatBytes(view.shownBytes),
      formatBytes(view.size),
      view.encoding,
    )}\n`;
  }
}

