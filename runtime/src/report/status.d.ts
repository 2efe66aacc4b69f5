export declare const Status: {
    /** Done as asked. */
    readonly ok: 0;
    /** The command's work failed: a file that cannot be read or written, a daemon still running. */
    readonly failed: 1;
    /** Bad usage: an unknown option, a missing operand. */
    readonly usage: 2;
    /** Nothing to do: `stop` found no running daemon. */
    readonly nothingToDo: 3;
    /** The guard could not start the program (or a daemon its start-up): its own trouble. */
    readonly guardFailed: 125;
    /** The command was found but cannot be run. */
    readonly cannotRun: 126;
    /** The command was not found. */
    readonly notFound: 127;
};
export type StatusName = keyof typeof Status;
export type ExitStatus = (typeof Status)[StatusName];
