import { MehdbSettings, NfsProvisionerSettings } from '../index';

/** The presets `MEHDB_PRESET` chooses from. */
export const PRESET_NAMES = ['default', 'tutorial'] as const;
export type PresetName = typeof PRESET_NAMES[number];

/** Everything the app synthesizes from: one object, built from a preset plus optional overrides. */
export interface AppConfig {
  /** The preset this config started from. */
  readonly preset: PresetName;
  /** Namespace of every namespaced object; created by the app unless it is `default`. */
  readonly namespace: string;
  /** The NFS provisioner and its StorageClass. */
  readonly storage: NfsProvisionerSettings;
  /** The mehdb datastore. */
  readonly mehdb: MehdbSettings;
}

/** What a config file (MEHDB_CONFIG) may set: any part of the config except the preset. */
export interface AppConfigOverrides {
  /** The JSON Schema of this file, for editors (e.g. `docs/mehdb-config.schema.json`); ignored by synth. @default - none */
  readonly $schema?: string;
  /** Namespace of every namespaced object; created by the app unless it is `default`. @default - the preset's */
  readonly namespace?: string;
  /** The NFS provisioner and its StorageClass; laid over the preset's, setting by setting. @default - the preset's */
  readonly storage?: NfsProvisionerSettings;
  /** The mehdb datastore; laid over the preset's, setting by setting. @default - the preset's */
  readonly mehdb?: MehdbSettings;
}
