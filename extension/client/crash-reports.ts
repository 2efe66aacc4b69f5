import * as vscode from 'vscode';
import { CONTEXT_COLUMN } from '@faultguard/protocol';
import type { RunSummary } from '@faultguard/protocol/recovery-service';
import { crashReportText, runTitle, savedVersion } from './run-presentation';
import type { ServiceClient } from './service-client';
import { frameLocation, type FrameLocation } from './stack-frames';

/** Read-only documents of why a run died: `faultguard-context:/<run> · why it died?{"file":…}`. */
export const CONTEXT_SCHEME = 'faultguard-context';

export function crashReportUri(run: RunSummary): vscode.Uri {
  const title = `${runTitle(run).title.replace(/[/\\]/g, '∕')} · why it died`;
  return vscode.Uri.from({ scheme: CONTEXT_SCHEME, path: `/${title}`, query: JSON.stringify({ file: run.file }) });
}

function fileOf(uri: vscode.Uri): string | undefined {
  try {
    const { file } = JSON.parse(uri.query) as { file?: unknown };
    return typeof file === 'string' ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The workspace file a stack frame names, to open at its line; undefined for a file outside every
 * workspace folder or one that is not there (the frame is then shown, but leads nowhere).
 */
export async function frameTarget(frame: FrameLocation): Promise<vscode.Uri | undefined> {
  const uri = vscode.Uri.file(frame.file);
  if (!vscode.workspace.getWorkspaceFolder(uri)) return undefined;
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    return stat.type & vscode.FileType.File ? uri : undefined;
  } catch {
    return undefined;
  }
}

/** How a frame's file opens at its line, from a link (`#L5,9`, which VS Code's opener reads as a selection). */
function atLine(uri: vscode.Uri, frame: FrameLocation): vscode.Uri {
  return uri.with({ fragment: `L${frame.line}${frame.column ? `,${frame.column}` : ''}` });
}

/**
 * A run's crash report (how it ended, its restarts, "Why it died" whole) as a read-only document,
 * from the header the service sent (nothing is decompressed); its stack frames link to workspace
 * files at their lines. An open report follows the run's saves.
 */
export class CrashReports implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changeEmitter.event;
  /** The save each open report shows. */
  private readonly shown = new Map<string, { uri: vscode.Uri; saved: string }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly service: ServiceClient) {
    this.subscription = service.onRuns(() => this.followSaves());
  }

  private runOf(uri: vscode.Uri): RunSummary | undefined {
    const file = fileOf(uri);
    return this.service.snapshot.runs.find((run) => run.file === file);
  }

  private followSaves(): void {
    const open = new Set(vscode.workspace.textDocuments.map((document) => document.uri.toString()));
    for (const [key, { uri, saved }] of this.shown) {
      if (!open.has(key)) this.shown.delete(key);
      else if (savedVersion(this.runOf(uri)) !== saved && this.runOf(uri)) this.changeEmitter.fire(uri); // a discarded run's report stays as it was
    }
  }

  async show(run: RunSummary): Promise<void> {
    const document = await vscode.workspace.openTextDocument(crashReportUri(run));
    await vscode.window.showTextDocument(document, { preview: true });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const run = this.runOf(uri);
    if (!run) throw new Error(vscode.l10n.t('{0} is no longer in the Recovery view', fileOf(uri) ?? uri.toString()));
    this.shown.set(uri.toString(), { uri, saved: savedVersion(run) });
    return crashReportText(run, vscode.env.language);
  }

  async provideDocumentLinks(document: vscode.TextDocument): Promise<vscode.DocumentLink[]> {
    const cwd = this.runOf(document.uri)?.header?.program.cwd;
    const links: vscode.DocumentLink[] = [];
    for (let line = 0; line < document.lineCount; line++) {
      // A frame's text starts after the report's column of names.
      const frame = frameLocation(document.lineAt(line).text.slice(CONTEXT_COLUMN), cwd);
      const target = frame && (await frameTarget(frame));
      if (!frame || !target) continue;
      const link = new vscode.DocumentLink(new vscode.Range(line, CONTEXT_COLUMN + frame.start, line, CONTEXT_COLUMN + frame.end), atLine(target, frame));
      link.tooltip = vscode.l10n.t('Open {0} at line {1}', vscode.workspace.asRelativePath(target), frame.line);
      links.push(link);
    }
    return links;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changeEmitter.dispose();
  }
}
