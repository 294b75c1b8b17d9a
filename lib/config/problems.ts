import { InvalidPropError, PropsError } from '../common/prop-error';

/**
 * Every problem found in a config at once, each `<prop>: <problem>. Fix: <fix>`. Synth prints one
 * line per problem, without a stack, and exits 1.
 */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The problems an error reports when it is bad input (a config or prop), else undefined (a bug). */
export function problemsOf(error: unknown): readonly string[] | undefined {
  if (error instanceof ConfigError || error instanceof PropsError) return error.problems;
  if (error instanceof InvalidPropError) return [error.message];
  return undefined;
}

/** Runs `check`; an InvalidPropError it throws is added to `problems` (once), anything else is rethrown. */
export function collectProblem<T>(problems: string[], check: () => T): T | undefined {
  try {
    return check();
  } catch (e) {
    const found = problemsOf(e);
    if (found === undefined) throw e;
    for (const p of found) if (!problems.includes(p)) problems.push(p);
    return undefined;
  }
}

/**
 * An entry point's error reporting: bad input (ConfigError, InvalidPropError) goes to stderr one
 * line per problem, without a stack, and the exit code is 1. Any other exception is a bug: it is
 * rethrown and node prints its stack (source-mapped to lib/).
 */
export function exitOnProblems(run: () => void): void {
  try {
    run();
  } catch (e) {
    const problems = problemsOf(e);
    if (problems === undefined) throw e;
    process.stderr.write(problems.map(p => `${p}\n`).join(''));
    process.exitCode = 1;
  }
}
