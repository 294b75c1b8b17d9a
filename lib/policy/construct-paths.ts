import { createHash } from 'crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { ApiObject, App } from 'cdk8s';

/**
 * Construct paths of the synthesized objects, for the validation plugin's report. cdk8s's own
 * record (construct-metadata.json, written into the output folder) keys objects by name alone, so
 * the Service, StatefulSet and PDB `mehdb` would share one entry, and it would add a file to dist/.
 * This record goes to `.build/construct-paths/` instead, one file per output folder.
 */
export function constructPathsFile(projectRoot: string, outdir: string): string {
  const id = createHash('sha256').update(resolve(outdir)).digest('hex').slice(0, 16);
  return join(projectRoot, '.build', 'construct-paths', `${id}.json`);
}

/** The key of an object in the record: `<kind>/<namespace>/<name>`. */
export function objectKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** Writes the record of an app that has been synthesized. */
export function writeConstructPaths(app: App, projectRoot: string): void {
  const paths: Record<string, string> = {};
  for (const chart of app.charts) {
    for (const node of chart.node.findAll()) {
      if (node instanceof ApiObject) paths[objectKey(node.kind, node.metadata.namespace, node.name)] = node.node.path;
    }
  }
  const file = constructPathsFile(projectRoot, app.outdir);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(paths));
}

/** The record for an output folder; empty when there is none. */
export function readConstructPaths(projectRoot: string, outdir: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(constructPathsFile(projectRoot, outdir), 'utf8'));
  } catch {
    return {};
  }
}
