// The CLI as the extension ships it (extension/dist/faultguard.js), for guarded runs and the
// terminals' `faultguard`. Started by the editor's own runtime (guard-runtime.ts), it was told to act
// as Node through its environment: that must not reach the program it guards, which would then be
// given an editor where it expects its own interpreter's environment. Electron reads the variable
// at start-up only, so removing it here changes nothing for this process.
if (process.env.FAULTGUARD_EDITOR_RUNTIME === '1') {
  delete process.env.ELECTRON_RUN_AS_NODE;
  delete process.env.FAULTGUARD_EDITOR_RUNTIME;
}
// Loaded only now: the CLI starts as it loads, and takes the environment as it then is.
require('../../runtime/src/cli/main');
