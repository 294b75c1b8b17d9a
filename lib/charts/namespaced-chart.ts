import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { AppConfig } from '../config/app-config';
import { Mehdb, NfsProvisioner } from '../index';

/** Props of {@link NamespacedChart}. */
export interface NamespacedChartProps {
  readonly config: AppConfig;
  /** The chart without a namespace that receives the storage layer's cluster-scoped objects. */
  readonly clusterScope: Chart;
  /** Labels on every object of the chart. @default {} */
  readonly labels?: Record<string, string>;
}

/** The namespaced objects: the NFS provisioner first, then the mehdb datastore on its StorageClass. */
export class NamespacedChart extends Chart {
  public readonly storage: NfsProvisioner;
  public readonly mehdb: Mehdb;

  constructor(scope: Construct, id: string, props: NamespacedChartProps) {
    const { config } = props;
    super(scope, id, { namespace: config.namespace, labels: props.labels });
    this.addDependency(props.clusterScope);

    this.storage = new NfsProvisioner(this, 'Storage', {
      ...config.storage,
      namespace: config.namespace,
      clusterScope: props.clusterScope,
    });
    this.mehdb = new Mehdb(this, 'Mehdb', {
      ...config.mehdb,
      namespace: config.namespace,
      storageClassName: this.storage.storageClassName,
      apiServerPorts: this.storage.apiServerPorts,
    });
    this.mehdb.node.addDependency(this.storage);
  }
}
