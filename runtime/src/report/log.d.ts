/** "info" tells what happened; "error" is something the user must know even when asking for quiet. */
export type Log = (message: string, level: 'info' | 'error') => void;
/** The CLI's way of reporting: `faultguard: <message>` on stderr; with `quiet`, errors only. */
export declare function stderrLog({ quiet }?: {
    readonly quiet?: boolean;
}): Log;
