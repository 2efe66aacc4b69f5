import type * as vscode from 'vscode';
import type { RunSummary } from '@faultguard/protocol/recovery-service';
import { savedVersion } from './run-presentation';

/** A recovery made from this editor: where the values went, and when. */
export interface Recovery {
  readonly folder: string;
  readonly at: number;
}

const KEY = 'faultguard.recoveries';
/** Recoveries are remembered this long: a run left that long has surely been dealt with, or forgotten. */
const KEPT_MS = 90 * 24 * 3600 * 1000;

/**
 * Which runs were recovered from this editor (the machine's global state), so that the view can
 * say so and Discard can tell the user whether the data is safe elsewhere. A recovery belongs to
 * a save: a run saved again since is not the data that was recovered.
 */
export class Recoveries {
  constructor(private readonly state: vscode.Memento) {}

  of(run: RunSummary): Recovery | undefined {
    return this.all()[`${run.file}\u0000${savedVersion(run)}`];
  }

  async record(run: RunSummary, folder: string): Promise<void> {
    const now = Date.now();
    const kept = Object.entries(this.all()).filter(([, recovery]) => now - recovery.at < KEPT_MS);
    await this.state.update(KEY, Object.fromEntries([...kept, [`${run.file}\u0000${savedVersion(run)}`, { folder, at: now }]]));
  }

  private all(): Record<string, Recovery> {
    return this.state.get<Record<string, Recovery>>(KEY, {});
  }
}
