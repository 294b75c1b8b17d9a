import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTINGS, Setting } from './cli-settings';

/** What the command line asks for. `serve` carries the flags as environment variable -> value. */
export type CommandLine =
  | { readonly action: 'help' }
  | { readonly action: 'version' }
  | { readonly action: 'serve'; readonly flags: Readonly<Record<string, string>> };

/** The command line is wrong (unknown argument, missing value, ...); the process exits with code 2. */
export class UsageError extends Error {
  /** Class name, for stack traces and logs. */
  override readonly name = 'UsageError';
}

const BY_FLAG = new Map(SETTINGS.map((s) => [s.flag, s]));

/**
 * Parses the arguments after `mehdb`. `--help`/`-h` and `--version` answer at once; every other
 * argument must be a flag of SETTINGS, each given at most once. Values are not checked here:
 * they become environment variables for `loadConfig`, which validates them.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { action: 'help' };
    if (arg === '--version') return { action: 'version' };
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const setting = BY_FLAG.get(name);
    if (!setting) throw new UsageError(unknownArgument(arg, name));
    if (setting.env in flags) throw new UsageError(`${name} is given twice`);
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (setting.kind === 'value' && inline === undefined) i++; // the value is the next argument
    flags[setting.env] = flagValue(setting, inline ?? (setting.kind === 'value' ? argv[i] : undefined));
  }
  return { action: 'serve', flags };
}

function flagValue(setting: Setting, raw: string | undefined): string {
  const { flag } = setting;
  if (setting.kind === 'switch') {
    if (raw !== undefined) throw new UsageError(`${flag} takes no value`);
    return '1';
  }
  if (setting.kind === 'boolean') {
    if (raw === undefined) return 'true';
    if (raw !== 'true' && raw !== 'false') throw new UsageError(`${flag} must be ${flag}, ${flag}=true or ${flag}=false, got ${JSON.stringify(raw)}`);
    return raw;
  }
  if (raw === undefined || raw === '' || raw.startsWith('--')) throw new UsageError(`${flag} needs a value: ${flag} ${setting.arg}`);
  return raw;
}

/** The message for an argument that is not a flag, with the nearest flag when one is close. */
function unknownArgument(arg: string, name: string): string {
  const what = name.startsWith('-') ? `unknown option ${JSON.stringify(name)}` : `unexpected argument ${JSON.stringify(arg)} (mehdb takes options only)`;
  const near = nearestFlag(name);
  return near ? `${what}; did you mean ${near}?` : what;
}

/** A flag spelt differently (`--datadir`, `--MEHDB_PORT`, `-port`), if one matches. */
function nearestFlag(name: string): string | undefined {
  const squash = (s: string): string => s.toLowerCase().replace(/^-+/, '').replace(/^mehdb_/, '').replace(/[-_]/g, '');
  const wanted = squash(name);
  if (!wanted) return undefined;
  const hit = SETTINGS.find((s) => squash(s.flag) === wanted || squash(s.env) === wanted);
  return hit?.flag;
}

/**
 * A configuration error as the user typed it: variables that a flag set are named by that flag
 * (`--port must be between 1 and 65535`), the others stay variable names.
 */
export function nameFlags(message: string, flags: Readonly<Record<string, string>>): string {
  let out = message;
  for (const s of SETTINGS) {
    if (s.env in flags) out = out.replace(new RegExp(`\\b${s.env}\\b`, 'g'), s.flag);
  }
  return out;
}

/** The package version, from the package.json beside dist/ (also in the container image). */
export function packageVersion(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  try {
    const version: unknown = JSON.parse(fs.readFileSync(file, 'utf8')).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
