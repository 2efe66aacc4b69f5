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
  /** How each open value was rendered: JSON documents get the JSON language, the rest plain text. */
  private readonly renderings = new Map<string, Rendering>();

  constructor(private readonly service: ServiceClient) {}

  /** Opens a value in an editor, in the language of its rendering. */
  async show(uri: vscode.Uri): Promise<void> {
    let document = await vscode.workspace.openTextDocument(uri);
    if (this.renderings.get(uri.toString()) === 'json') document = await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true });
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const params = valueOf(uri);
    if (!params) throw new Error(vscode.l10n.t('Not a Faultguard value: {0}', uri.toString()));
    const view = await this.service.client.sendRequest(ReadValueRequest, params, token);
    this.renderings.set(uri.toString(), view.rendering);
    if (view.shownBytes >= view.size) return view.text;
    return `${view.text}\n${vscode.l10n.t(
      '… partial: the first {0} of {1} ({2}). Use "Faultguard: Save Value As…" for the whole value.',
      formatBytes(view.shownBytes),
      formatBytes(view.size),
      view.encoding,
    )}\n`;
  }
}
