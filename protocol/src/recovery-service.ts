// The recovery service's messages (protocol/RECOVERY-SERVICE.md), declared once for both sides:
// the VS Code extension (client) and the service (server). Any LSP client can speak them.
// Kept out of index.ts so that the runtime, which never talks to the service, bundles no JSON-RPC.
import { NotificationType, RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import type { AutosaveListing } from './autosave-listing';

/** What the client asks the service to watch, and how to judge and read what it finds. */
export interface ServiceSettings {
  /** Absolute folders to watch (not recursively) for `*.fgsave`; a missing one is watched for. */
  readonly folders: readonly string[];
  /** For runs whose writer this machine cannot ask about: how old a heartbeat may get (seconds). */
  readonly staleAfterSeconds?: number;
  /** The service decompresses no autosave whose data is larger than this (bytes). */
  readonly maxInspectedBytes: number;
}

/** One autosave of a watched folder, from its headers only: listing never decompresses. */
export interface RunSummary extends AutosaveListing {
  /** The watched folder it was found in. */
  readonly folder: string;
  /** Whether its previous generation (`<file>.prev`) is there too: the save before the newest, readable as a file of its own. */
  readonly hasPrevious: boolean;
}

/** A watched folder that cannot be read (it may appear later: it stays watched). */
export interface FolderProblem {
  readonly folder: string;
  readonly message: string;
}

export interface RunsSnapshot {
  readonly runs: readonly RunSummary[];
  readonly problems: readonly FolderProblem[];
}

export interface RunCrashed {
  readonly run: RunSummary;
  /** `startup`: found when the folder was first scanned; `live`: it ended while watched. */
  readonly discovered: 'startup' | 'live';
}

export interface KeyInfo {
  /** The key, as requests name it: for a key that is not a string (from Python), an id to pass back as it is. */
  readonly key: string;
  /** Only for a key that is not a string: how it reads (`5`, `('a', 1)`) and its type (`int`, `python-pickle`). */
  readonly label?: string;
  readonly keyType?: string;
  /** `json`, `bytes`, `python-pickle`, or `unknown-<tag>` (e.g. `unknown-9`) for an encoding this version does not know (SPEC §3). */
  readonly encoding: string;
  /** Stored size, bytes. */
  readonly size: number;
  /** A safe file name for the value, as `faultguard recover` names it (`notes.json`, `photo.bin`). */
  readonly fileName: string;
}

export interface RunContents {
  readonly file: string;
  readonly keys: readonly KeyInfo[];
  /** `previous` when the newest generation was damaged; `fallback` then says why. */
  readonly generation: 'newest' | 'previous';
  readonly fallback?: string;
}

export interface ValueParams {
  readonly file: string;
  readonly key: string;
  /** `page`: one page (about PAGE_BYTES of the value); `whole`: all of it. */
  readonly extent: 'page' | 'whole';
  /** Which page, from 0 (the default): bytes from page × PAGE_BYTES on. */
  readonly page?: number;
}

/** How a value is shown: JSON pretty-printed, UTF-8 text, or a hex dump of the bytes. */
export type Rendering = 'json' | 'text' | 'hex';

export interface ValueView {
  readonly encoding: string;
  readonly rendering: Rendering;
  readonly text: string;
  /** The value's stored size, and how many of its bytes `text` shows, from which one. */
  readonly size: number;
  readonly shownBytes: number;
  readonly start: number;
  /** The page shown (0 for a whole value) and how many pages the value has (1 if it fits one). */
  readonly page: number;
  readonly pages: number;
}

/** How much of a value a page shows: enough to read, little enough to open at once. */
export const PAGE_BYTES = 256 * 1024;

/** The most of a value the service renders whole (to copy or compare it); larger ones are saved to a file. */
export const WHOLE_VALUE_BYTES = 16 * 1024 * 1024;

export interface SaveValueParams {
  readonly file: string;
  readonly key: string;
  /** Absolute path of the file to write: the value's bytes exactly as stored. */
  readonly target: string;
}

export interface RecoverRunParams {
  readonly file: string;
  /** The folder to write the values into: it must not exist (its parent must) or be empty. */
  readonly folder: string;
}

export interface RecoveredRun {
  readonly folder: string;
  readonly files: readonly { readonly key: string; readonly file: string; readonly encoding: string; readonly size: number }[];
}

export interface FileParams {
  readonly file: string;
}

export interface DiscardRunParams {
  readonly file: string;
  /** Move the files to the trash (freedesktop.org's) instead of deleting them; fails with `no-trash` where there is none. */
  readonly trash?: boolean;
}

export interface DiscardedRun {
  /** The files removed, in the order they went; with `trash`, where each went. */
  readonly removed: readonly string[];
  readonly trashed?: readonly string[];
}

export const ConfigureNotification = new NotificationType<ServiceSettings>('faultguard/configure');
export const RunsChangedNotification = new NotificationType<RunsSnapshot>('faultguard/runsChanged');
export const RunCrashedNotification = new NotificationType<RunCrashed>('faultguard/runCrashed');
export const ListRunsRequest = new RequestType0<RunsSnapshot, void>('faultguard/listRuns');
export const RefreshRequest = new RequestType0<RunsSnapshot, void>('faultguard/refresh');
export const ReadRunRequest = new RequestType<FileParams, RunContents, void>('faultguard/readRun');
export const ReadValueRequest = new RequestType<ValueParams, ValueView, void>('faultguard/readValue');
export const SaveValueRequest = new RequestType<SaveValueParams, { readonly bytes: number }, void>('faultguard/saveValue');
export const RecoverRunRequest = new RequestType<RecoverRunParams, RecoveredRun, void>('faultguard/recoverRun');
export const DiscardRunRequest = new RequestType<DiscardRunParams, DiscardedRun, void>('faultguard/discardRun');
/** The service found the newest generation of a file damaged while reading it by its index: ask for its contents again. */
export const RunContentsChangedNotification = new NotificationType<FileParams>('faultguard/runContentsChanged');
