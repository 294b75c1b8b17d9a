import { readFileSync } from 'fs';
import { InvalidPropError, show } from '../common/prop-error';
import { checkOneOf } from '../common/validate';
import { MehdbSettings } from '../mehdb/mehdb-props';
import { NFS_PROVISIONER_DEFAULTS, NfsProvisionerSettings } from '../nfs-provisioner/nfs-provisioner-props';
import { AppConfig, AppConfigOverrides, PRESET_NAMES, PresetName } from './app-config';
import { PRESETS } from './presets';

/** The environment variables the app reads; nothing else in the app reads process.env. */
export interface ConfigEnvironment {
  /** `default` (what to deploy today) or `tutorial` (the course's manifests). @default 'default' */
  readonly MEHDB_PRESET?: string;
  /** Path of a JSON file with overrides (AppConfigOverrides) applied on top of the preset. @default - none */
  readonly MEHDB_CONFIG?: string;
  /** Other variables are ignored. */
  readonly [name: string]: string | undefined;
}

// Every settable key, so a typo in a config file is an error instead of a silently ignored value.
// Typed as Record<keyof ...> so adding a setting without listing it here fails to compile.
const STORAGE_KEYS: Record<keyof NfsProvisionerSettings, true> = {
  name: true, image: true, portSet: true, provisionerName: true, storageClassName: true, exportHostPath: true,
  createExportHostPath: true, nodeSelector: true, tolerations: true, mountOptions: true, parameters: true,
  reclaimPolicy: true, resources: true, testClaim: true, podSecurityPolicyName: true, hardened: true, imagePullPolicy: true,
  networkPolicy: true, nfsClientCidrs: true, apiServerPorts: true,
};
const MEHDB_KEYS: Record<keyof MehdbSettings, true> = {
  name: true, replicas: true, image: true, containerName: true, port: true, storageSize: true, storageClassName: true,
  accessMode: true, dataPath: true, antiAffinity: true, hardened: true, runAsUser: true, podDisruptionBudget: true,
  resources: true, livenessProbe: true, readinessProbe: true, readinessPath: true, clusterDomain: true, imagePullPolicy: true,
  networkPolicy: true, clientSelector: true,
};
const TOP_KEYS: Record<keyof AppConfigOverrides, true> = { namespace: true, storage: true, mehdb: true };

/** Builds the app's config: the preset named by MEHDB_PRESET, then the file named by MEHDB_CONFIG. */
export function loadConfig(env: ConfigEnvironment): AppConfig {
  const presetName = checkOneOf('MEHDB_PRESET', (env.MEHDB_PRESET || 'default') as PresetName, PRESET_NAMES);
  const overrides = env.MEHDB_CONFIG ? readOverrides(env.MEHDB_CONFIG) : {};
  return applyOverrides(PRESETS[presetName], overrides);
}

/** The preset with the overrides laid on top, section by section; checks that the parts fit. */
export function applyOverrides(preset: AppConfig, overrides: AppConfigOverrides): AppConfig {
  checkKeys('config', overrides, TOP_KEYS);
  checkKeys('config.storage', overrides.storage ?? {}, STORAGE_KEYS);
  checkKeys('config.mehdb', overrides.mehdb ?? {}, MEHDB_KEYS);
  const config: AppConfig = {
    preset: preset.preset,
    namespace: overrides.namespace ?? preset.namespace,
    storage: { ...preset.storage, ...overrides.storage },
    mehdb: { ...preset.mehdb, ...overrides.mehdb },
  };
  const served = config.storage.storageClassName ?? NFS_PROVISIONER_DEFAULTS.storageClassName;
  if (config.mehdb.storageClassName !== undefined && config.mehdb.storageClassName !== served) {
    throw new InvalidPropError('mehdb.storageClassName',
      `${show(config.mehdb.storageClassName)} does not match the StorageClass the storage layer serves (${show(served)}), so the claims would stay Pending`,
      `leave mehdb.storageClassName unset, or set storage.storageClassName to the same name`);
  }
  return config;
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

function checkKeys(where: string, value: object, known: Record<string, true>): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidPropError(where, `${show(value)} is not an object`, 'write an object of settings');
  }
  for (const key of Object.keys(value)) {
    if (!(key in known)) {
      throw new InvalidPropError(`${where}.${key}`, 'is not a setting', `remove it or use one of: ${Object.keys(known).join(', ')}`);
    }
  }
}
