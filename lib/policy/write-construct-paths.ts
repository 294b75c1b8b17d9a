import { mkdirSync, writeFileSync } from 'fs';
import { dirname } from 'path';
import { ApiObject, App } from 'cdk8s';
import { constructPathsFile, objectKey } from './construct-paths';

/** Writes the record of an app that has been synthesized. */
export function writeConstructPaths(app: App, projectRoot: string): void {
  const paths: Record<string, string> = {};
  for (const chart of app.charts) {
    for (const node of chart.node.findAll()) {
      if (node instanceof ApiObject) paths[objectKey(node.kind, node.metadata.namespace, node.name)] = node.node.path;
    }
  }
  const file = constructPathsFile(projectRoot, app.outdir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(paths));
}

