import type { Client } from './client';
import { python } from './python';
import { typescript } from './typescript';

/** Every client the conformance suite runs against. */
export const CLIENTS: readonly Client[] = [typescript, python];
export type { Client };
