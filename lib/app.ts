import { App, YamlOutputType } from 'cdk8s';
import { ClusterScopedChart } from './charts/cluster-scoped-chart';
import { NamespacedChart } from './charts/namespaced-chart';
import { AppConfig } from './config/app-config';

/** Labels on every object, so `kubectl get all -l app.kubernetes.io/part-of=mehdb` finds them. */
const COMMON_LABELS = { 'app.kubernetes.io/part-of': 'mehdb', 'app.kubernetes.io/managed-by': 'cdk8s' };

/** The charts of one synthesis: written as `0000-cluster-scoped.k8s.yaml`, `0001-namespaced.k8s.yaml`. */
export interface MehdbApp {
  readonly app: App;
  readonly clusterScoped: ClusterScopedChart;
  readonly namespaced: NamespacedChart;
}

/** Wires the two charts for a config; `outdir` defaults to cdk8s's (CDK8S_OUTDIR or dist/). */
export function buildApp(config: AppConfig, outdir?: string): MehdbApp {
  // No construct-metadata.json in the output (the CLI asks for it when validations are configured):
  // main.ts records construct paths for the validation plugin in .build/ instead.
  const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART, recordConstructMetadata: false });
  const clusterScoped = new ClusterScopedChart(app, 'cluster-scoped', { namespace: config.namespace, labels: COMMON_LABELS });
  const namespaced = new NamespacedChart(app, 'namespaced', { config, clusterScope: clusterScoped, labels: COMMON_LABELS });
  return { app, clusterScoped, namespaced };
}
