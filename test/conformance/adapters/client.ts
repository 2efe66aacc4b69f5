// What the conformance suite needs to know about a client: how to run its driver. Adding a client
// means writing its driver (the script of ../script.ts) and one adapter; the scenarios stay as they are.

export interface Client {
  readonly name: string;
  /** The command that runs this client's driver on a config file (DriverConfig). `segv`: the script may crash by SIGSEGV. */
  command(configFile: string, options: { segv: boolean }): { command: string; args: string[]; env?: Record<string, string> };
  /** Values only this client can store ({native: name} in a script), and the encoding readers must report for each. */
  readonly nativeValues: Readonly<Record<string, string>>;
}
