import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Testing } from 'cdk8s';
import { buildApp, MehdbApp } from '../../lib/app';
import { AppConfig, applyOverrides, AppConfigOverrides, PRESETS, PresetName } from '../../lib/config';

/** A Kubernetes object as synthesized (plain JSON). */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [field: string]: any };

/** A fixed, digest-pinned datastore image, so snapshots do not change with every image build. */
export const TEST_IMAGE = `localhost/mehdb:0.1.0@sha256:${'0'.repeat(64)}`;

export interface Synthesized {
  readonly built: MehdbApp;
  readonly clusterScoped: KubeObject[];
  readonly namespaced: KubeObject[];
  readonly all: KubeObject[];
}

/** Synthesizes a config in memory (outdir is a temp folder; nothing is written to dist/). */
export function synth(config: AppConfig): Synthesized {
  const built = buildApp(config, mkdtempSync(join(tmpdir(), 'mehdb-synth-')));
  const clusterScoped = Testing.synth(built.clusterScoped) as KubeObject[];
  const namespaced = Testing.synth(built.namespaced) as KubeObject[];
  return { built, clusterScoped, namespaced, all: [...clusterScoped, ...namespaced] };
}

/** A preset with overrides and the test image for mehdb (unless the overrides set one). */
export function presetConfig(preset: PresetName, overrides: AppConfigOverrides = {}): AppConfig {
  const image = preset === 'default' ? { image: TEST_IMAGE } : {};
  return applyOverrides(PRESETS[preset], { ...overrides, mehdb: { ...image, ...overrides.mehdb } });
}

/** The one object of a kind and name; fails the test if there is not exactly one. */
export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.filter(o => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} "${name}", found ${found.length}`);
  return found[0];
}
