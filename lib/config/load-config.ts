import { readFileSync } from 'fs';
import { InvalidPropError, show } from '../common/prop-error';
import { problemsOf } from '../common/schema';
import { checkOneOf } from '../common/validate';
import { AppConfig, AppConfigOverrides, PRESET_NAMES, PresetName } from './app-config';
import { APP_CONFIG_FILE } from './config-schema';
import { PRESETS } from './presets';
import { collectProblem, ConfigError } from './problems';

/** The environment variables the app reads; nothing else in the app reads process.env. */
export interface ConfigEnvironment {
  /** `default` (what to deploy today) or `tutorial` (the course's manifests). @default 'default' */
  readonly MEHDB_PRESET?: string;
  /** Path of a JSON file with overrides (AppConfigOverrides) applied on top of the preset. @default - none */
  readonly MEHDB_CONFIG?: string;
  /** Set by `cdk8s synth`: the folder the CLI expects the manifests in. @default - not run by the CLI */
  readonly CDK8S_OUTDIR?: string;
  /** `1` (or any value but `0` and empty): print the full policy report on success too. @default - the one summary line */
  readonly MEHDB_VERBOSE?: string;
  /** Any non-empty value: no colour, even on a terminal (https://no-color.org). @default - colour on a terminal */
  readonly NO_COLOR?: string;
  /** Other variables are ignored. */
  readonly [name: string]: string | undefined;
}

/** The process's environment: the one place the app reads process.env; the rest gets settings passed down. */
export function processEnvironment(): ConfigEnvironment {
  return process.env;
}

/** How a run reports, from the environment (the command line can add to it). */
export interface OutputSettings {
  /** Print the full policy report on success too. */
  readonly verbose: boolean;
  /** Colour is allowed (it is used only on a terminal). */
  readonly colorAllowed: boolean;
}

export function outputSettings(env: ConfigEnvironment): OutputSettings {
  return {
    verbose: env.MEHDB_VERBOSE !== undefined && env.MEHDB_VERBOSE !== '' && env.MEHDB_VERBOSE !== '0',
    colorAllowed: !env.NO_COLOR,
  };
}

/**
 * Builds the app's config: the preset named by MEHDB_PRESET, then the file named by MEHDB_CONFIG.
 * Throws a ConfigError listing every problem found (preset, file, and every setting, in one pass).
 */
export function loadConfig(env: ConfigEnvironment): AppConfig {
  const problems: string[] = [];
  const presetName = collectProblem(problems,
    () => checkOneOf('MEHDB_PRESET', (env.MEHDB_PRESET || 'default') as PresetName, PRESET_NAMES));
  const overrides = env.MEHDB_CONFIG ? collectProblem(problems, () => readOverrides(env.MEHDB_CONFIG!)) : {};
  if (overrides === undefined || presetName === undefined) throw new ConfigError(problems);
  return applyOverrides(PRESETS[presetName], overrides);
}

/**
 * The preset with the overrides laid on top, section by section. The result is checked whole
 * against the config's schema (every setting, and the rules between them) in one pass; a
 * ConfigError lists every problem.
 */
export function applyOverrides(preset: AppConfig, overrides: AppConfigOverrides): AppConfig {
  const merged: Record<string, unknown> = {
    ...overrides,
    namespace: overrides.namespace ?? preset.namespace,
    storage: layer(preset.storage, overrides.storage),
    mehdb: layer(preset.mehdb, overrides.mehdb),
  };
  const result = APP_CONFIG_FILE.safeParse(merged, { reportInput: true });
  if (!result.success) throw new ConfigError(problemsOf(result.error.issues, APP_CONFIG_FILE, ''));
  const { $schema: _ignored, ...config } = merged;
  return { ...config, preset: preset.preset } as unknown as AppConfig;
}

/** The overrides of a section over the preset's, setting by setting; anything but an object as it is (the schema names it). */
function layer<T extends object>(preset: T, overrides: unknown): unknown {
  if (overrides === undefined) return preset;
  return typeof overrides === 'object' && overrides !== null && !Array.isArray(overrides) ? { ...preset, ...overrides } : overrides;
}

function readOverrides(file: string): AppConfigOverrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InvalidPropError('MEHDB_CONFIG', `cannot read ${show(file)}`, 'point MEHDB_CONFIG at a readable JSON file, or unset it');
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as AppConfigOverrides;
  } catch (e) {
    throw new InvalidPropError('MEHDB_CONFIG', `${show(file)} is not a JSON object (${(e as Error).message})`,
      'write an object such as {"namespace": "db", "mehdb": {"replicas": 3}}');
  }
}
