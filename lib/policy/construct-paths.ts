import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import { join, resolve } from 'path';

/**
 * Construct paths of the synthesized objects, for the validation plugin's report. cdk8s's own
 * record (construct-metadata.json, written into the output folder) keys objects by name alone, so
 * the Service, StatefulSet and PDB `mehdb` would share one entry, and it would add a file to dist/.
 * This record goes to `.build/construct-paths/` instead, one file per output folder. (No cdk8s import
 * here: the validation plugin reads the record and should not load cdk8s.)
 */
export function constructPathsFile(projectRoot: string, outdir: string): string {
  const id = createHash('sha256').update(resolve(outdir)).digest('hex').slice(0, 16);
  return join(projectRoot, '.build', 'construct-paths', `${id}.json`);
}

/** The key of an object in the record: `<kind>/<namespace>/<name>`. */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The record for an output folder; empty when there is none. */
export function readConstructPaths(projectRoot: string, outdir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(constructPathsFile(projectRoot, outdir), 'utf8'));
  } catch {
    return {};
  }
}
