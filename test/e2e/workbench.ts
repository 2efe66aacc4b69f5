// The VS Code workbench in Chromium, as a user sees and works it: the Recovery view's rows,
// notifications, the command palette, code-server's simple file dialog, modal dialogs. Every wait
// has a generous deadline and, when it passes, says what it waited for and what was on screen.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT, eventually } from '../helpers/processes';
import type { CodeServer } from './code-server';

/** Debian's Chromium (test/e2e/install.sh installs it). */
const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 60_000;
const SCREENSHOTS = join(ROOT, 'test-output', 'e2e');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export class Workbench {
  private constructor(readonly page: Page) {}

  /** A new window on `folder`, once the workbench is drawn. */
  static async open(browser: Browser, server: CodeServer, folder: string): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(server.url(folder));
    const workbench = new Workbench(page);
    await workbench.visible(page.locator('div.monaco-workbench'), 'the workbench');
    return workbench;
  }

  /** Waits for `locator` to be visible; on failure, says what was awaited and what the screen showed. */
  async visible(locator: Locator, what: string): Promise<Locator> {
    try {
      await locator.first().waitFor({ state: 'visible', timeout: WAIT_MS });
      return locator.first();
    } catch (error) {
      throw await this.failure(`waiting for ${what}`, error);
    }
  }

  /** Waits for `locator` to be gone (detached or hidden). */
  async gone(locator: Locator, what: string): Promise<void> {
    try {
      await locator.first().waitFor({ state: 'hidden', timeout: WAIT_MS });
    } catch (error) {
      throw await this.failure(`waiting for ${what} to go`, error);
    }
  }

  /** The error of a failed wait: what was awaited, why it failed, and the screen at that moment. */
  private async failure(what: string, error: unknown): Promise<Error> {
    const why = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    const screenshot = await this.screenshot(`failed ${what}`).catch((failed: Error) => `no screenshot: ${failed.message}`);
    return new Error(`${what}: ${why}\non screen (${screenshot}):\n${await this.describe()}`);
  }

  /** The Faultguard view container, opened from the activity bar. */
  async openRecoveryView(): Promise<void> {
    const item = await this.visible(this.page.locator('.activitybar [aria-label^="Faultguard"]'), 'the Faultguard activity bar item');
    // Forced: the badge counting crashed runs lies over the icon and would take the click.
    if ((await item.getAttribute('aria-expanded')) !== 'true') await item.click({ force: true });
    await this.visible(this.view(), 'the Recovery view');
  }

  private view(): Locator {
    return this.page.locator('[id="workbench.view.extension.faultguard"]');
  }

  /** A row of the Recovery view whose text matches (label and description: "node app.js SIGSEGV · 2 min ago"). */
  row(text: string | RegExp): Locator {
    return this.view().locator('.monaco-list-row', { hasText: text });
  }

  async rowTexts(): Promise<string[]> {
    return (await this.view().locator('.monaco-list-row').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
  }

  /** Waits for a row matching `text` and returns it. */
  waitForRow(text: string | RegExp, what: string): Promise<Locator> {
    return this.visible(this.row(text), `the Recovery view to show ${what} (${text})`);
  }

  /** Clicks one of a row's inline actions ("Recover Run…", "Discard Run"), shown while it is hovered. */
  async rowAction(row: Locator, title: string): Promise<void> {
    await row.hover();
    const action = await this.visible(row.locator(`.actions .action-label[aria-label^="${title}"]`), `the action "${title}" on the row`);
    await action.click();
  }

  /** A notification whose message matches, once it is shown. */
  notification(text: string | RegExp, what: string): Promise<Locator> {
    return this.visible(this.page.locator('.notification-list-item', { has: this.page.locator('.notification-list-item-message', { hasText: text }) }), `the notification ${what} (${text})`);
  }

  /** Opens a workspace file from the Explorer, as the active editor. */
  async openFile(name: string): Promise<void> {
    await this.page.keyboard.press('Control+Shift+E');
    await (await this.visible(this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }), `${name} in the Explorer`)).click();
    await this.visible(this.page.locator('.tabs-container .tab.active', { hasText: name }), `the editor of ${name}`);
  }

  /** Runs a command from the palette (F1) by its title; typed slowly, as the list filters as it goes. */
  /**
   * Runs a command from the palette. A window that has just opened may not list an extension's
   * commands yet (the extension host is still scanning): as a user would, close the palette and
   * look again, until the deadline.
   */
  async runCommand(title: string): Promise<void> {
    const offered = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title });
    try {
      await eventually(async () => {
        await this.page.keyboard.press('Escape');
        await this.page.keyboard.press('F1');
        const input = this.page.locator('.quick-input-box input').first();
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        await input.pressSequentially(title, { delay: 20 });
        await offered.first().waitFor({ state: 'visible', timeout: 10_000 });
      }, WAIT_MS);
    } catch (error) {
      throw await this.failure(`waiting for the palette to offer "${title}"`, error);
    }
    await offered.first().click();
  }

  /**
   * A folder typed into code-server's simple file dialog (a quick input), accepted with its OK
   * button (`label`, the dialog's openLabel). Typed with its trailing slash, as the dialog itself
   * completes a folder's name: then what it shows stays what was typed.
   */
  chooseFolder(path: string, label: string): Promise<void> {
    return this.choosePath(`${path.replace(/\/+$/, '')}/`, label);
  }

  /** A path typed into code-server's simple save dialog (a file or folder to be made), accepted with its button `label`. */
  chooseSavePath(path: string, label: string): Promise<void> {
    return this.choosePath(path, label);
  }

  private async choosePath(typed: string, label: string): Promise<void> {
    const dialog = this.page.locator('.quick-input-widget');
    const input = await this.visible(dialog.locator('.quick-input-box input'), 'the file dialog');
    try {
      // The dialog fills in its starting folder once it has read it, over anything typed before.
      await eventually(async () => {
        if ((await input.inputValue()) !== typed) {
          await input.selectText();
          await input.pressSequentially(typed, { delay: 10 });
        }
        assert.equal(await input.inputValue(), typed, 'the file dialog holds the typed path');
      }, WAIT_MS);
    } catch (error) {
      throw await this.failure(`typing ${typed} into the file dialog`, error);
    }
    const accept = await this.visible(dialog.locator('.monaco-button', { hasText: label }), `the file dialog's button "${label}"`);
    try {
      // A click while the dialog is still reading the folder is ignored: press again until it closes.
      await eventually(async () => {
        if (await accept.isVisible()) await accept.click({ timeout: 5_000 });
        await dialog.waitFor({ state: 'hidden', timeout: 2_000 });
      }, WAIT_MS);
    } catch (error) {
      throw await this.failure(`the file dialog to close on "${label}"`, error);
    }
  }

  /** Runs an entry of a row's context menu (right click), by its title, chosen with the arrow keys and Enter as from a keyboard. */
  async rowMenu(row: Locator, title: string): Promise<void> {
    await row.click({ button: 'right' });
    await this.visible(this.page.locator('.context-view .monaco-menu .action-item', { hasText: title }), `the context menu entry "${title}"`);
    const focused = this.page.locator('.context-view .monaco-menu .action-item.focused');
    for (let step = 0; step < 30; step++) {
      await this.page.keyboard.press('ArrowDown');
      if ((await focused.innerText().catch(() => '')).includes(title)) {
        await this.page.keyboard.press('Enter');
        return;
      }
    }
    throw await this.failure(`the context menu entry "${title}" to take the focus`, new Error('not reached with the arrow keys'));
  }

  /** Selects several rows of a tree, as a user does: a click, then Ctrl+click on the others. */
  async selectRows(rows: readonly Locator[]): Promise<void> {
    await rows[0].click();
    for (const row of rows.slice(1)) await row.click({ modifiers: ['Control'] });
  }

  /** Makes the side bar `width` pixels wide, by dragging its edge as a user would. */
  async sideBarWidth(width: number): Promise<void> {
    const sideBar = await this.visible(this.page.locator('.part.sidebar'), 'the side bar');
    const box = (await sideBar.boundingBox())!;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width - 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 10 });
    await this.page.mouse.up();
    try {
      await eventually(async () => assert.ok(Math.abs(((await sideBar.boundingBox())?.width ?? 0) - width) < 20, 'the side bar has the width dragged to'), WAIT_MS);
    } catch (error) {
      throw await this.failure(`the side bar to be ${width} px wide`, error);
    }
  }

  /** The label of the focused button of a modal dialog: the one Enter presses. */
  async focusedDialogButton(): Promise<string> {
    await this.visible(this.page.locator('.monaco-dialog-box'), 'a dialog');
    // Evaluated in the page: a string, since this project's types know no DOM.
    return (await this.page.evaluate('document.activeElement ? document.activeElement.innerText : ""')) as string;
  }

  /**
   * Starts a launch configuration from the Run and Debug view, as its green button does. (F5 pressed
   * before the workbench has read launch.json fails with "An unknown error occurred"; the view
   * offering the configuration says it has.)
   */
  async startDebugging(configuration: string): Promise<void> {
    await this.page.keyboard.press('Control+Shift+D');
    const start = this.page.locator('.start-debug-action-item');
    const select = await this.visible(start.locator('select[aria-label="Debug Launch Configurations"]'), 'the launch configurations of Run and Debug');
    try {
      await eventually(async () => assert.equal(await select.inputValue(), configuration), WAIT_MS);
    } catch (error) {
      throw await this.failure(`waiting for Run and Debug to offer "${configuration}"`, error);
    }
    await (await this.visible(start.locator('[role="button"][aria-label^="Start Debugging"]'), 'the Start Debugging button')).click();
  }

  /** Presses a button of a modal dialog ("Discard"). */
  async pressDialogButton(label: string): Promise<void> {
    const button = await this.visible(this.page.locator('.monaco-dialog-box .dialog-buttons .monaco-button', { hasText: label }), `a dialog with the button "${label}"`);
    await button.click();
  }

  /** Waits for the active editor to show `text` in its rendered lines (enough for small values). */
  async editorShows(text: RegExp, what: string): Promise<void> {
    const lines = await this.visible(this.page.locator('.editor-group-container.active .monaco-editor .view-lines'), 'an editor');
    try {
      // The editor draws spaces as no-break spaces.
      await eventually(async () => assert.match((await lines.innerText()).replace(/\u00a0/g, ' '), text), WAIT_MS);
    } catch (error) {
      throw await this.failure(`waiting for the editor to show ${what}`, error);
    }
  }

  /** Saves the screen as test-output/e2e/<name>.png, kept with the test output. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, `${name.replace(/[^\w.-]+/g, '-').slice(0, 100)}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /** What a failure message shows: the view's rows, the notifications, the tabs. */
  async describe(): Promise<string> {
    const read = (locator: Locator) => locator.allInnerTexts().catch(() => ['(unreadable)']);
    return [
      `Recovery view rows: ${JSON.stringify(await this.rowTexts().catch(() => []))}`,
      `notifications: ${JSON.stringify(await read(this.page.locator('.notification-list-item-message')))}`,
      `tabs: ${JSON.stringify(await read(this.page.locator('.tabs-container .tab')))}`,
      `dialog: ${JSON.stringify(await read(this.page.locator('.monaco-dialog-box')))}`,
    ].join('\n');
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
