/**
 * A construct prop or config value that cannot produce a working manifest. The message names the
 * prop, says what is wrong with the value given, and how to fix it; synth stops on it.
 */
export class InvalidPropError extends Error {
  constructor(
    /** The prop's path, e.g. `mehdb.replicas` or `storage.exportHostPath`. */
    public readonly prop: string,
    /** What is wrong with the value, e.g. `0 is not an integer from 1 to 1000`. */
    public readonly problem: string,
    /** How to fix it. */
    public readonly fix: string,
  ) {
    super(`${prop}: ${problem}. Fix: ${fix}`);
    this.name = 'InvalidPropError';
  }
}

/** Every problem of a construct's props or of a config, one `<prop>: <problem>. Fix: <fix>` line each. */
export class PropsError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'PropsError';
  }
}

/** Shows a value in an error message the way a user wrote it. */
export function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
