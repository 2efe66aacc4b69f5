// The runtime's public API: guarding (start, guard, connect), the data objects, reading what runs
// left behind (the same as '@faultguard/runtime/recovery'), PID lock files and daemons.
export {
  Encoding,
  OpaqueValue,
  describeExit,
  renderValue,
  NotJsonError,
  type AutosaveHeader,
  type AutosaveListing,
  type Breadcrumb,
  type ContextError,
  type ContextHang,
  type ContextNativeTrace,
  type ContextOutput,
  type ContextReport,
  type CrashContext,
  type Resume,
  type RunEnd,
  type ExitRecord,
  type JournalDamage,
  type ProcessIdentity,
  type RenderOptions,
  type ValueRendering,
} from '@faultguard/protocol';
export { connect, isGuarded } from './data/connect';
export type { DataView as DataReader } from './data/data-view';
export { GuardedData } from './data/guarded-data';
export { RescuedData, readJournal } from './data/rescued-data';
export * from './recovery/index';
export { liveness, type Liveness } from './process/process-identity';
export { UnsupportedPlatformError } from './process/current-platform';
export { guard, type GuardOptions, type GuardResult, type RescueHandler, type RunInfo } from './guard/guard';
export type { OutputTailOptions } from './guard/output-tail';
export type { RestartOptions, RestartRequest } from './guard/restart-policy';
export type { WatchdogOptions } from './guard/watchdog';
export { StartError } from './report/start-error';
export { Status, type ExitStatus, type StatusName } from './report/status';
export type { Log } from './report/log';
export { start, type Launch, type Rescue, type StartOptions } from './start';
export { PidLockFile, AlreadyLocked, type PidLockFileOptions } from './lock/pid-lock-file';
export { LockError, type LockHolder } from './lock/lock-holder';
export { daemonize } from './daemon/daemonize';
export type { Daemon, DaemonOptions } from './daemon/daemon-options';
