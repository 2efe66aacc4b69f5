/**
 * Where the guard and the daemon report what they did. "info" tells what happened; "error" is
 * something the user must know even when asking for quiet.
 *
 * @example
 * ```ts
 * const log: Log = (message, level) => (level === 'error' ? console.error : console.log)(`[guard] ${message}`);
 * await guard({ command: './app', args: [], log });
 * ```
 */
export type Log = (message: string, level: 'info' | 'error') => void;

/** The CLI's way of reporting: `faultguard: <message>` on stderr; with `quiet`, errors only. */
export function stderrLog({ quiet = false }: { readonly quiet?: boolean } = {}): Log {
  return (message, level) => {
    if (level === 'error' || !quiet) process.stderr.write(`faultguard: ${message}\n`);
  };
}
