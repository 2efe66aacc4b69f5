// The reading half of the runtime, for tools that look at what runs left behind (the editor's
// recovery service): listing, judging, reading, recovering and removing autosaves. It never
// starts a guard, and pulls in none of the writer.
export { AutosaveError, type AutosaveProblem } from './autosave-error';
export { readAutosave, DEFAULT_MAX_DATA_BYTES, type Autosave, type Decompress, type ReadOptions } from './read-autosave';
export { readAutosaveHead, type AutosaveHead } from './read-head';
export { isActive, type Activity } from './is-active';
export { recover, type RecoverOptions, type RecoverRescue } from './recover';
export { removeAutosave, type RemoveOptions } from './remove-autosave';
export { listAutosaves, describeAutosave, type Listing, type ListResult } from './list-autosaves';
export { judgeRun, type Judgement, type JudgeOptions, type RunState } from './run-state';
export { writeValuesDirectory, fileNameForKey, type ValueFileEntry } from './values-directory';
