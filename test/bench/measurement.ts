import type { Figure } from './report';
import type { Scratch } from './scratch';

/** One figure of the report and how to get it. */
export interface Measurement {
  /** Shown while it runs. */
  readonly label: string;
  measure(scratch: Scratch): Promise<Figure>;
}
