import * as vscode from 'vscode';
import { formatBytes } from '@faultguard/protocol';
import { ReadValueRequest, type Rendering } from '@faultguard/protocol/recovery-service';
import type { ServiceClient } from './service-client';
import { valueOf } from './value-uri';

/**
 * Read-only documents of rescued values (scheme `faultguard-value`), rendered by the service:
 * JSON pretty-printed, text as text, bytes as a hex dump. A large value shows its first page and
 * says so at the end, where it does not get in the way of the data.
 */
export class ValueDocuments implements vscode.TextDocumentContentProvider {
  /** How each open value was shown: JSON documents get the JSON language, the rest plain text. */
  private readonly shown = new Map<string, { rendering: Rendering; partial: boolean }>();

  constructor(private readonly service: ServiceClient) {}

  /** Opens a value in an editor, in the language of its rendering; says whether it shows only a page. */
  async show(uri: vscode.Uri): Promise<{ partial: boolean }> {
    let document = await vscode.workspace.openTextDocument(uri);
    const shown = this.shown.get(uri.toString());
    if (shown?.rendering === 'json') document = await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
    return { partial: shown?.partial ?? false };
  }

  /** A closed document's entry goes: the map holds open documents only. */
  forget(uri: vscode.Uri): void {
    this.shown.delete(uri.toString());
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const params = valueOf(uri);
    if (!params) throw new Error(vscode.l10n.t('Not a Faultguard value: {0}', uri.toString()));
    const view = await this.service.client.sendRequest(ReadValueRequest, params, token);
    const partial = view.shownBytes < view.size;
    this.shown.set(uri.toString(), { rendering: view.rendering, partial });
    if (!partial) return view.text;
    return `${view.text}\n${vscode.l10n.t(
      '… partial: the first {0} of {1} ({2}). Use "Faultguard: Save Value As…" for the whole value.',
      formatBytes(view.shownBytes),
      formatBytes(view.size),
      view.encoding,
    )}\n`;
  }
}
