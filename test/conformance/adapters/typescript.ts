import { SEGV_NODE_OPTIONS } from '../../fixtures/crash';
import { fixture } from '../../helpers/processes';
import type { Client } from './client';

export const typescript: Client = {
  name: 'TypeScript',
  // A real SIGSEGV in Node needs a stack size beyond the thread's real stack (see fixtures/crash.ts).
  command: (configFile, { segv }) => ({
    command: process.execPath,
    args: [...(segv ? SEGV_NODE_OPTIONS : []), fixture('conformance-driver'), configFile],
  }),
  nativeValues: {},
};
