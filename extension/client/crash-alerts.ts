import * as vscode from 'vscode';
import type { RunCrashed } from '@faultguard/protocol/recovery-service';
import type { ServiceClient } from './service-client';
import { crashMessage, crashedCount } from './run-presentation';
import { showNotifications } from './settings';

/** The crashed runs of the first scan of the folders arrive within this time of one another. */
const STARTUP_SETTLE_MS = 500;

/**
 * Tells the user when a run crashes, or when crashed runs are found at start-up: a notification
 * with the ways forward (one notification for all the runs found at start-up), and a status bar
 * item that counts crashed runs until they are dealt with.
 */
export class CrashAlerts implements vscode.Disposable {
  private readonly status = vscode.window.createStatusBarItem('faultguard.crashedRuns', vscode.StatusBarAlignment.Left, 10);
  private readonly subscriptions: vscode.Disposable[];
  /** Runs found crashed when the folders were first read: told about together, not one toast each. */
  private foundAtStartup: RunCrashed[] = [];
  /** Runs told about in this window: a restarted service announces its first scan again. */
  private readonly told = new Set<string>();
  private startupTimer: NodeJS.Timeout | undefined;

  constructor(private readonly service: ServiceClient) {
    this.status.name = vscode.l10n.t('Faultguard Crashed Runs');
    this.status.command = 'faultguard.runs.focus';
    this.subscriptions = [service.onRuns(() => this.updateStatus()), service.onCrashed((event) => this.crashed(event))];
  }

  private updateStatus(): void {
    const count = crashedCount(this.service.snapshot.runs);
    // Words, not an error icon and a number: that is what the Problems count looks like.
    this.status.text = `$(shield) ${count === 1 ? vscode.l10n.t('1 crashed run') : vscode.l10n.t('{0} crashed runs', count)}`;
    this.status.tooltip = crashedRunsText(count);
    if (count > 0) this.status.show();
    else this.status.hide();
  }

  private crashed(event: RunCrashed): void {
    if (this.told.has(event.run.file) || !showNotifications()) return;
    this.told.add(event.run.file);
    if (event.discovered === 'live') {
      void this.notify(event);
      return;
    }
    this.foundAtStartup.push(event);
    this.startupTimer ??= setTimeout(() => this.notifyStartup(), STARTUP_SETTLE_MS);
  }

  private async notifyStartup(): Promise<void> {
    const found = this.foundAtStartup;
    this.foundAtStartup = [];
    this.startupTimer = undefined;
    if (found.length === 1) return this.notify(found[0]);
    const show = vscode.l10n.t('Show');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} crashed runs left rescued data.', found.length), show);
    if (choice === show) await vscode.commands.executeCommand('faultguard.runs.focus');
  }

  private async notify({ run, discovered }: RunCrashed): Promise<void> {
    const inspect = vscode.l10n.t('Inspect');
    const recover = vscode.l10n.t('Recover…');
    const discard = vscode.l10n.t('Discard');
    const choice = await vscode.window.showWarningMessage(crashMessage(run, discovered), inspect, recover, discard);
    if (choice === inspect) await vscode.commands.executeCommand('faultguard.inspectRun', run.file);
    else if (choice === recover) await vscode.commands.executeCommand('faultguard.recoverRun', { run });
    else if (choice === discard) await vscode.commands.executeCommand('faultguard.discardRun', { run });
  }

  dispose(): void {
    clearTimeout(this.startupTimer);
    this.status.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

/** "1 crashed run with rescued data", "3 crashed runs with rescued data". */
export function crashedRunsText(count: number): string {
  return count === 1 ? vscode.l10n.t('1 crashed run with rescued data') : vscode.l10n.t('{0} crashed runs with rescued data', count);
}
