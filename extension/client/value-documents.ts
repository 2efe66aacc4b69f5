import * as vscode from 'vscode';
import { formatBytes } from '@faultguard/protocol';
import { ReadValueRequest, type Rendering, type RunSummary, type ValueView } from '@faultguard/protocol/recovery-service';
import { savedVersion } from './run-presentation';
import type { ServiceClient } from './service-client';
import { valueOf } from './value-uri';

/** The languages values are shown in: hex dumps get one of their own (no brackets to colour, offsets and bytes told apart). */
const LANGUAGES: Readonly<Record<Rendering, string>> = { json: 'json', text: 'plaintext', hex: 'faultguard-hexdump' };
/** A page of a larger JSON value is no whole document: JSON's colours, without JSON's complaints about its cut ends. */
const JSON_PAGE_LANGUAGE = 'faultguard-json-page';

/** How an open value was shown: its language, and which page of how many. */
interface Shown {
  readonly uri: vscode.Uri;
  readonly file: string;
  readonly saved: string;
  readonly rendering: Rendering;
  readonly page: number;
  readonly pages: number;
  readonly view?: ValueView;
}

/**
 * Read-only documents of rescued values (scheme `faultguard-value`), rendered by the service:
 * JSON pretty-printed, text as text, bytes as a hex dump. A value larger than a page is shown a
 * page at a time, and its first line says which part it is (a lens there goes to the next page
 * or saves the whole value). An open value of a live run follows its saves.
 */
export class ValueDocuments implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensEmitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: ServiceClient) {
    this.subscription = service.onRuns(() => this.followSaves());
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
    this.lensEmitter.dispose();
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

  /** Opens a value in an editor, in the language of its rendering. */
  async show(uri: vscode.Uri, options: vscode.TextDocumentShowOptions = { preview: true }): Promise<void> {
    let document = await vscode.workspace.openTextDocument(uri);
    const shown = this.shown.get(uri.toString());
    const language = shown && (shown.pages > 1 && shown.rendering === 'json' ? JSON_PAGE_LANGUAGE : LANGUAGES[shown.rendering]);
    if (language && document.languageId !== language) document = await vscode.languages.setTextDocumentLanguage(document, language);
    await vscode.window.showTextDocument(document, options);
  }

  /** What the service said of an open value: its size and pages (for the page commands). */
  shownAs(uri: vscode.Uri): { page: number; pages: number; view?: ValueView } | undefined {
    return this.shown.get(uri.toString());
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
      this.shown.set(uri.toString(), { uri, file: params.file, saved, rendering: before?.rendering ?? 'text', page: params.page ?? 0, pages: before?.pages ?? 1 });
      throw error;
    }
    this.shown.set(uri.toString(), { uri, file: params.file, saved, rendering: view.rendering, page: view.page, pages: view.pages, view });
    this.lensEmitter.fire();
    if (view.pages <= 1) return view.text;
    return `${pageNotice(view)}\n${view.text}${view.text.endsWith('\n') ? '' : '\n'}`;
  }

  /** On a page's first line: the way to the pages around it and to the whole value. */
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const shown = this.shown.get(document.uri.toString());
    if (!shown || shown.pages <= 1) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [];
    if (shown.page > 0) lenses.push(new vscode.CodeLens(top, { title: vscode.l10n.t('$(arrow-left) Previous Page'), command: 'faultguard.previousPage', arguments: [document.uri] }));
    if (shown.page + 1 < shown.pages) lenses.push(new vscode.CodeLens(top, { title: vscode.l10n.t('Next Page $(arrow-right)'), command: 'faultguard.nextPage', arguments: [document.uri] }));
    lenses.push(new vscode.CodeLens(top, { title: vscode.l10n.t('Save Whole Value…'), command: 'faultguard.saveShownValue', arguments: [document.uri] }));
    return lenses;
  }
}

/** The first line of a page: which part of how much, in the words of a comment (JSON pages are read as JSON with comments). */
function pageNotice(view: ValueView): string {
  return `// ${vscode.l10n.t(
    'Page {0} of {1}: bytes {2} to {3} of {4} ({5}). Faultguard: Next Page, or Save Value As… for the whole value.',
    view.page + 1,
    view.pages,
    formatBytes(view.start),
    formatBytes(view.start + view.shownBytes),
    formatBytes(view.size),
    view.encoding,
  )}`;
}
