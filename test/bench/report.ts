import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

export type Unit = 'µs' | 'ms' | 'MiB' | 'MB/s';

export interface Measure {
  readonly label: string;
  /** A median (or, for memory, a reading) in `unit`. */
  readonly value: number;
  readonly unit: Unit;
}

/** One line of the report: a figure beside what the same run measured to compare it with. */
export interface Figure {
  /** Stable name for the JSON, e.g. "set-64B". */
  readonly id: string;
  readonly measured: Measure;
  readonly reference: Measure;
  /** The target as the issue states it, or why there is none. */
  readonly target: string;
  /** Context that helps read the line: figures from elsewhere, side readings. */
  readonly note?: string;
  /** Only in the JSON: samples and their counts. */
  readonly details?: Readonly<Record<string, unknown>>;
}

function ratio(figure: Figure): number {
  if (figure.measured.unit !== figure.reference.unit) throw new Error(`${figure.id}: a ratio needs one unit`);
  return figure.measured.value / figure.reference.value;
}

function formatValue(value: number, unit: Unit): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function environment(): Record<string, string | number> {
  return { node: process.version, platform: `${process.platform} ${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };
}

export function printReport(figures: readonly Figure[]): void {
  const env = environment();
  const rows = [
    ['figure', 'measured', 'same-run reference', '', 'ratio', 'target', 'note'],
    ...figures.map((f) => [
      f.measured.label,
      formatValue(f.measured.value, f.measured.unit),
      f.reference.label,
      formatValue(f.reference.value, f.reference.unit),
      `${ratio(f).toFixed(2)}×`,
      f.target,
      f.note ?? '',
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const numeric = new Set([1, 3, 4]);
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd(),
  );
  process.stdout.write(`\nFaultguard benchmarks: Node ${env.node}, ${env.platform}, ${env.cpus} × ${env.cpu}\n\n${lines.join('\n')}\n`);
}

export function writeReport(path: string, figures: readonly Figure[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    environment: environment(),
    figures: figures.map((f) => ({ ...f, ratio: ratio(f) })),
  };
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
}
