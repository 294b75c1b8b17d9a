import { readdirSync } from 'fs';
import { join } from 'path';
import { ApiObject, App } from 'cdk8s';
import { ManifestEntry } from './evaluate';
import { ManifestObject } from './rules';

/**
 * Every object of an app that has been synthesized one file per chart
 * (`<nnnn>-<chart id>.k8s.yaml` in `app.outdir`), as the policy evaluates it: the object as
 * written, the manifest it is in (shown under `shownOutdir`, the folder the user will find it in)
 * and the construct that made it. Read from the constructs, so nothing is parsed back from YAML.
 */
export function appEntries(app: App, shownOutdir: string): ManifestEntry[] {
  const files = readdirSync(app.outdir);
  return app.charts.flatMap(chart => {
    const file = files.find(f => f.endsWith(`-${chart.node.id}${app.outputFileExtension}`)) ?? `${chart.node.id}${app.outputFileExtension}`;
    const manifestPath = join(shownOutdir, file);
    return chart.node.findAll()
      .filter((node): node is ApiObject => node instanceof ApiObject)
      .map(node => ({ object: node.toJson() as ManifestObject, manifestPath, constructPath: node.node.path }));
  });
}
