import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { checkDnsLabel } from '../common/validate';

/** Props of {@link ClusterScopedChart}. */
export interface ClusterScopedChartProps {
  /** Namespace the namespaced chart deploys into; created here unless it is `default`. */
  readonly namespace: string;
  /** Labels on every object of the chart. @default {} */
  readonly labels?: Record<string, string>;
}

/**
 * Holds the cluster-scoped objects (Namespace, ClusterRole + binding, StorageClass). It has no
 * namespace, so none is stamped on them; constructs in other charts add theirs here.
 */
export class ClusterScopedChart extends Chart {
  constructor(scope: Construct, id: string, props: ClusterScopedChartProps) {
    super(scope, id, { labels: props.labels });
    // `default` always exists, and `kubectl delete -f dist/` must never delete it.
    if (checkDnsLabel('namespace', props.namespace) !== 'default') {
      new kplus.Namespace(this, 'Namespace', { metadata: { name: props.namespace } });
    }
  }
}
