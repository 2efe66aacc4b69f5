/** Something the CLI was asked to write cannot be written: exit status 1, the path named, no stack. */
export class OutputError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'OutputError';
  }
}
