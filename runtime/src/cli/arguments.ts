/** A mistake in how the CLI was called: reported with a hint to --help, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** Takes a value (`--name value` or `--name=value`) rather than being a flag. */
  readonly value: boolean;
  readonly short?: string;
}

export interface ParsedArguments {
  readonly options: Map<string, string | true>;
  readonly operands: string[];
}

/**
 * Parses options up to `--` or the first operand, as env(1) and nohup(1) do, so that the
 * guarded command's own options are never taken for ours.
 */
function parseArguments(argv: readonly string[], specs: Readonly<Record<string, OptionSpec>>, stopAtOperand: boolean): ParsedArguments {
  const options = new Map<string, string | true>();
  const operands: string[] = [];
  const byShort = new Map(Object.entries(specs).filter(([, spec]) => spec.short).map(([name, spec]) => [spec.short!, name]));
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (stopAtOperand) break;
      operands.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const name = long ? arg.slice(2, eq === -1 ? undefined : eq) : byShort.get(arg.slice(1));
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined) throw new UsageError(`unknown option ${arg}`);
    if (!spec.value) {
      if (long && eq !== -1) throw new UsageError(`option --${name} takes no value`);
      options.set(name, true);
      continue;
    }
    let value: string | undefined;
    if (long && eq !== -1) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(`option ${long ? `--${name}` : arg} needs a value`);
    options.set(name, value);
  }
  operands.push(...argv.slice(i));
  return { options, operands };
}

const HELP: OptionSpec = { value: false, short: 'h' };

/**
 * A command's arguments, with -h/--help added to its options: asked for help, prints `usage`
 * on stdout and returns undefined, and the command has nothing more to do.
 */
export function parseCommand(argv: readonly string[], specs: Readonly<Record<string, OptionSpec>>, usage: string, stopAtOperand: boolean): ParsedArguments | undefined {
  const parsed = parseArguments(argv, { ...specs, help: HELP }, stopAtOperand);
  if (!parsed.options.has('help')) return parsed;
  process.stdout.write(usage);
  return undefined;
}

export function stringOption(parsed: ParsedArguments, name: string): string | undefined {
  const value = parsed.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function numberOption(parsed: ParsedArguments, name: string, { min, max }: { min: number; max: number }): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`--${name} needs a number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return value;
}

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size in bytes, with an optional binary unit: 4096, 512K, 100M, 2G (K = 1024). */
export function sizeOption(parsed: ParsedArguments, name: string): number | undefined {
  const text = stringOption(parsed, name);
  if (text === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim());
  const value = match ? Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`--${name} needs a size such as 500M or 2G, not ${JSON.stringify(text)}`);
  return value;
}

/** How long a heartbeat from another host may be silent: a day at most, or nothing would ever be stale. */
export function staleAfterOption(parsed: ParsedArguments): number | undefined {
  return numberOption(parsed, 'stale-after', { min: 1, max: 86_400 });
}
