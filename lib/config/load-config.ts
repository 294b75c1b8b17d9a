import { readFileSync } from 'fs';
import { InvalidPropError, show } from '../common/prop-error';
import { checkOneOf } from '../common/validate';
import { MehdbSettings } from '../mehdb/mehdb-props';
import { NFS_PROVISIONER_DEFAULTS, NfsProvisionerSettings } from '../nfs-provisioner/nfs-provisioner-props';
import { AppConfig, AppConfigOverrides, PRESET_NAMES, PresetName } from './app-config';
import { PRESETS } from './presets';
import { collectProblem, ConfigError } from './problems';

/** The environment variables the app reads; nothing else in the app reads process.env. */
export interface ConfigEnvironment {
  /** `default` (what to deploy today) or `tutorial` (the course's manifests). @default 'default' */
  readonly MEHDB_PRESET?: string;
  /** Path of a JSON file with overrides (AppConfigOverrides) applied on top of the preset. @default - none */
  readonly MEHDB_CONFIG?: string;
  /** Other variables are ignored. */
  readonly [name: string]: string | undefined;
}

export interface LoadConfigOptions {
  /**
   * Builds the app's objects for a config without writing anything, so the constructs check every
   * prop. Given, each setting of the overrides is tried on the preset alone, so the problems of all
   * settings are reported together instead of the first one only. @default - settings are checked
   * for their names and JSON types only; the constructs check the values when the app is built
   */
  readonly tryBuild?: (config: AppConfig) => void;
}

// The JSON type of every setting: a typo in a config file is an error instead of a silently
// ignored value, and a value of the wrong type is reported before a construct stumbles on it.
// Typed as Record<keyof ...> so adding a setting without listing it here fails to compile.
type Kind = 'string' | 'number' | 'boolean' | 'object' | 'string[]' | 'number[]' | 'object[]' | 'boolean|object';
const STORAGE_KEYS: Record<keyof NfsProvisionerSettings, Kind> = {
  name: 'string', image: 'string', portSet: 'string', provisionerName: 'string', storageClassName: 'string',
  exportHostPath: 'string', createExportHostPath: 'boolean', nodeSelector: 'object', tolerations: 'object[]',
  mountOptions: 'string[]', parameters: 'object', reclaimPolicy: 'string', resources: 'object', testClaim: 'boolean',
  podSecurityPolicyName: 'string', hardened: 'boolean', imagePullPolicy: 'string', networkPolicy: 'boolean',
  nfsClientCidrs: 'string[]', apiServerPorts: 'number[]', extraArgs: 'string[]', readinessProbe: 'object', livenessProbe: 'object',
  capabilities: 'string[]', seccompProfile: 'string', allowVolumeExpansion: 'boolean', volumeBindingMode: 'string', defaultClass: 'boolean',
};
const MEHDB_KEYS: Record<keyof MehdbSettings, Kind> = {
  name: 'string', replicas: 'number', image: 'string', containerName: 'string', port: 'number', storageSize: 'string',
  storageClassName: 'string', accessMode: 'string', dataPath: 'string', antiAffinity: 'string', hardened: 'boolean',
  runAsUser: 'number', podDisruptionBudget: 'boolean|object', resources: 'object', livenessProbe: 'object',
  readinessProbe: 'object', readinessPath: 'string', clusterDomain: 'string', imagePullPolicy: 'string',
  networkPolicy: 'boolean', clientSelector: 'object', startupProbe: 'object', persistentVolumeClaimRetentionPolicy: 'object',
  topologySpreadConstraints: 'object[]', updateStrategy: 'object', podManagementPolicy: 'string', priorityClassName: 'string',
  imagePullSecrets: 'string[]', podLabels: 'object', podAnnotations: 'object', serviceLabels: 'object', serviceAnnotations: 'object',
  claimLabels: 'object', claimAnnotations: 'object', nodeSelector: 'object', tolerations: 'object[]', nodeAffinity: 'object',
  extraEnv: 'object', terminationGracePeriodSeconds: 'number', scrapeAnnotations: 'boolean', serviceMonitor: 'boolean|object',
  failover: 'object',
};
const TOP_KEYS: Record<keyof AppConfigOverrides, Kind> = { namespace: 'string', storage: 'object', mehdb: 'object' };

/** The names of every setting a config file may give, per section. */
export const SETTING_NAMES = { storage: Object.keys(STORAGE_KEYS), mehdb: Object.keys(MEHDB_KEYS) } as const;

/**
 * Builds the app's config: the preset named by MEHDB_PRESET, then the file named by MEHDB_CONFIG.
 * Throws a ConfigError listing every problem found (preset, file, setting names, types and, with
 * `tryBuild`, every setting's value).
 */
export function loadConfig(env: ConfigEnvironment, options: LoadConfigOptions = {}): AppConfig {
  const problems: string[] = [];
  const presetName = collectProblem(problems,
    () => checkOneOf('MEHDB_PRESET', (env.MEHDB_PRESET || 'default') as PresetName, PRESET_NAMES));
  const overrides = env.MEHDB_CONFIG ? collectProblem(problems, () => readOverrides(env.MEHDB_CONFIG!)) : {};
  if (overrides === undefined) throw new ConfigError(problems);
  if (presetName === undefined) throw new ConfigError([...problems, ...checkShape(overrides).problems]);
  return applyOverrides(PRESETS[presetName], overrides, options);
}

/**
 * The preset with the overrides laid on top, section by section; checks that the parts fit and,
 * with `options.tryBuild`, every setting's value. Throws a ConfigError listing every problem.
 */
export function applyOverrides(preset: AppConfig, overrides: AppConfigOverrides, options: LoadConfigOptions = {}): AppConfig {
  const { problems, wellFormed } = checkShape(overrides);
  const config = merge(preset, wellFormed);
  const served = config.storage.storageClassName ?? NFS_PROVISIONER_DEFAULTS.storageClassName;
  if (config.mehdb.storageClassName !== undefined && config.mehdb.storageClassName !== served) {
    problems.push(new InvalidPropError('mehdb.storageClassName',
      `${show(config.mehdb.storageClassName)} does not match the StorageClass the storage layer serves (${show(served)}), so the claims would stay Pending`,
      'leave mehdb.storageClassName unset, or set storage.storageClassName to the same name').message);
  }
  if (options.tryBuild) {
    for (const p of valueProblems(preset, wellFormed, options.tryBuild)) if (!problems.includes(p)) problems.push(p);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function merge(preset: AppConfig, overrides: AppConfigOverrides): AppConfig {
  return {
    preset: preset.preset,
    namespace: overrides.namespace ?? preset.namespace,
    storage: { ...preset.storage, ...overrides.storage },
    mehdb: { ...preset.mehdb, ...overrides.mehdb },
  };
}

/**
 * The problems of the settings' values. The whole config is built first: when it builds, there are
 * none (a setting that needs another, e.g. a partition above the preset's replicas, is fine). Else
 * each setting is laid alone on the preset, so each bad setting reports its own problem; a setting
 * that fails alone is then tried again with all the settings that do not (so one that only needs
 * the others is not reported), and those others are built together, for a problem only their
 * combination has. Exceptions other than prop errors are bugs and propagate.
 */
function valueProblems(preset: AppConfig, overrides: AppConfigOverrides, tryBuild: (config: AppConfig) => void): string[] {
  const attempt = (o: AppConfigOverrides) => firstProblem(() => tryBuild(merge(preset, o)));
  const whole = attempt(overrides);
  if (whole === undefined) return [];
  const singles = singleSettings(overrides);
  const failing = singles.map(single => ({ single, alone: attempt(single) })).filter(f => f.alone !== undefined);
  const rest = singles.filter(s => !failing.some(f => f.single === s)).reduce(mergeOverrides, {});
  const restProblem = attempt(rest);
  const problems: string[] = [];
  for (const { single, alone } of failing) {
    const p = restProblem === undefined ? attempt(mergeOverrides(rest, single)) : alone;
    if (p !== undefined && !problems.includes(p)) problems.push(p);
  }
  if (restProblem !== undefined) problems.push(restProblem);
  return problems.length > 0 ? problems : [whole];
}

/** The first problem `build` reports, or undefined when it builds. */
function firstProblem(build: () => void): string | undefined {
  const problems: string[] = [];
  collectProblem(problems, build);
  return problems[0];
}

/** Each setting of the overrides as overrides of its own. */
function singleSettings(overrides: AppConfigOverrides): AppConfigOverrides[] {
  const singles: AppConfigOverrides[] = [];
  if (overrides.namespace !== undefined) singles.push({ namespace: overrides.namespace });
  for (const [key, value] of Object.entries(overrides.storage ?? {})) singles.push({ storage: { [key]: value } });
  for (const [key, value] of Object.entries(overrides.mehdb ?? {})) singles.push({ mehdb: { [key]: value } });
  return singles;
}

/** `b` laid over `a`, section by section. */
function mergeOverrides(a: AppConfigOverrides, b: AppConfigOverrides): AppConfigOverrides {
  return {
    ...(a.namespace !== undefined || b.namespace !== undefined ? { namespace: b.namespace ?? a.namespace } : {}),
    ...(a.storage || b.storage ? { storage: { ...a.storage, ...b.storage } } : {}),
    ...(a.mehdb || b.mehdb ? { mehdb: { ...a.mehdb, ...b.mehdb } } : {}),
  };
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

/**
 * Unknown settings and values of the wrong JSON type, everywhere in the overrides; and the
 * overrides without them (the settings whose values are worth building).
 */
function checkShape(overrides: AppConfigOverrides): { problems: string[]; wellFormed: AppConfigOverrides } {
  const problems: string[] = [];
  const top = checkSection(problems, 'config', '', overrides, TOP_KEYS);
  const wellFormed: { -readonly [K in keyof AppConfigOverrides]: AppConfigOverrides[K] } = {};
  if (top.namespace !== undefined) wellFormed.namespace = top.namespace as string;
  if (top.storage !== undefined) wellFormed.storage = checkSection(problems, 'config.storage', 'storage.', top.storage, STORAGE_KEYS);
  if (top.mehdb !== undefined) wellFormed.mehdb = checkSection(problems, 'config.mehdb', 'mehdb.', top.mehdb, MEHDB_KEYS);
  return { problems, wellFormed };
}

/** Adds the problems of one section to `problems`; returns its known settings of the right type. */
function checkSection(problems: string[], where: string, prefix: string, value: unknown, known: Record<string, Kind>): Record<string, unknown> {
  const good: Record<string, unknown> = {};
  if (!isObject(value)) {
    problems.push(new InvalidPropError(where, `${show(value)} is not an object`, 'write an object of settings').message);
    return good;
  }
  for (const [key, setting] of Object.entries(value)) {
    const kind = known[key];
    if (!Object.prototype.hasOwnProperty.call(known, key)) {
      problems.push(new InvalidPropError(`${where}.${key}`, 'is not a setting',
        `remove it or use one of: ${Object.keys(known).join(', ')}`).message);
    } else if (!hasKind(setting, kind)) {
      problems.push(new InvalidPropError(`${prefix}${key}`, `${show(setting)} is not ${KIND_NAMES[kind]}`,
        `write ${KIND_NAMES[kind]}, or remove the setting to keep the preset's value`).message);
    } else {
      good[key] = setting;
    }
  }
  return good;
}

const KIND_NAMES: Record<Kind, string> = {
  'string': 'a string', 'number': 'a number', 'boolean': 'true or false', 'object': 'an object',
  'string[]': 'an array of strings', 'number[]': 'an array of numbers', 'object[]': 'an array of objects',
  'boolean|object': 'true, false or an object',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasKind(value: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'object': return isObject(value);
    case 'string[]': return Array.isArray(value) && value.every(v => typeof v === 'string');
    case 'number[]': return Array.isArray(value) && value.every(v => typeof v === 'number');
    case 'object[]': return Array.isArray(value) && value.every(isObject);
    case 'boolean|object': return typeof value === 'boolean' || isObject(value);
    default: return typeof value === kind;
  }
}
