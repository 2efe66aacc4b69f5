import type { Client } from './client';
import { python, pythonUnderCli } from './python';
import { typescript } from './typescript';

/** Every client the conformance suite runs against. */
export const CLIENTS: readonly Client[] = [typescript, python, pythonUnderCli];
export type { Client };
