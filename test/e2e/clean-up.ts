/**
 * Runs every step of a clean-up in order, each one even when an earlier one failed (a browser that
 * will not close must not keep the server running), then throws the first failure.
 */
export async function cleanUp(...steps: ReadonlyArray<() => unknown>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
