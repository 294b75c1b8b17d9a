import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { ApiObject, App } from 'cdk8s';
import { objectKey, sha256, SynthRecord, synthRecordFile } from './synth-record';

/**
 * Writes the record of an app that has been synthesized one file per chart
 * (`<nnnn>-<chart id>.k8s.yaml`): construct paths, and each chart's objects under its file's hash.
 */
export function writeSynthRecord(app: App, projectRoot: string): void {
  const record: SynthRecord = { paths: {}, manifests: {} };
  const files = readdirSync(app.outdir);
  for (const chart of app.charts) {
    for (const node of chart.node.findAll()) {
      if (node instanceof ApiObject) record.paths[objectKey(node.kind, node.metadata.namespace, node.name)] = node.node.path;
    }
    const file = files.find(f => f.endsWith(`-${chart.node.id}${app.outputFileExtension}`));
    if (file) record.manifests[sha256(readFileSync(join(app.outdir, file), 'utf8'))] = chart.toJson();
  }
  const recordFile = synthRecordFile(projectRoot, app.outdir);
  mkdirSync(dirname(recordFile), { recursive: true });
  writeFileSync(recordFile, JSON.stringify(record));
}
