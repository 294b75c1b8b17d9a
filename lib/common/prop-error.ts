/**
 * A construct prop or config value that cannot produce a working manifest. The message names the
 * prop, says what is wrong with the value given, and how to fix it; synth stops on it.
 */
export class InvalidPropError extends Error {
  constructor(
    /** The prop's path, e.g. `Mehdb.replicas` or `mehdb.storageSize`. */
    public readonly prop: string,
    problem: string,
    fix: string,
  ) {
    super(`${prop}: ${problem}. Fix: ${fix}`);
    this.name = 'InvalidPropError';
  }
}

/** Shows a value in an error message the way a user wrote it. */
export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
