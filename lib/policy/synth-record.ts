import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join, resolve } from 'path';

/**
 * What the app records at synth for the validation plugin, in `.build/synth-records/` (one file
 * per output folder), not in dist/:
 * - `paths`: the construct path of each object, keyed `<kind>/<namespace>/<name>`. cdk8s's own
 *   record (construct-metadata.json, written into the output folder) keys objects by name alone,
 *   so the Service, StatefulSet and PDB `mehdb` would share one entry.
 * - `manifests`: the objects of each manifest as JSON, keyed by the SHA-256 of the manifest's
 *   text. The plugin uses them for a manifest whose text has that hash (parsing YAML in a fresh
 *   process costs about 70 ms) and parses the YAML otherwise.
 * No cdk8s import here: the plugin reads the record and should not load cdk8s.
 */
export interface SynthRecord {
  readonly paths: Record<string, string>;
  readonly manifests: Record<string, unknown[]>;
}

export function synthRecordFile(projectRoot: string, outdir: string): string {
  const id = createHash('sha256').update(resolve(outdir)).digest('hex').slice(0, 16);
  return join(projectRoot, '.build', 'synth-records', `${id}.json`);
}

/** The key of an object's construct path: `<kind>/<namespace>/<name>`. */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The record for an output folder; empty when there is none. */
export function readSynthRecord(projectRoot: string, outdir: string): SynthRecord {
  try {
    return JSON.parse(readFileSync(synthRecordFile(projectRoot, outdir), 'utf8'));
  } catch {
    return { paths: {}, manifests: {} };
  }
}
