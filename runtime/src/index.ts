export { Encoding, OpaqueValue, describeExit, type ExitRecord } from '@faultguard/protocol';
export { connect, isGuarded } from './data/connect';
export { GuardedData } from './data/guarded-data';
export { RescuedData, readJournal } from './data/rescued-data';
export { readAutosave, type Autosave } from './autosave/read-autosave';
export { liveness, type Liveness } from './process/process-identity';
export { guard, GuardStartError, type GuardOptions, type GuardResult, type RescueHandler, type RunInfo } from './guard/guard';
export { start, type Launch, type Rescue, type StartOptions } from './start';
