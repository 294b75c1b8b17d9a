import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels, selectorLabels } from '../common/labels';
import { apiServerEgress, DNS_EGRESS, ownNetworkPolicyException, policyPort } from '../common/network';
import { ProbeTiming, probeTimingFields } from '../common/probes';
import { toResourceRequirements } from '../common/resources';
import { checkInteger } from '../common/validate';
import { ServiceMonitor } from '../monitoring/service-monitor';
import { declarePolicyExceptions } from '../policy/exceptions';
import { failoverEnv, grantLeaseAccess } from './failover';
import { DisruptionBudget, MehdbProps } from './mehdb-props';
import { SettledServiceMonitor } from './mehdb-schema';
import { podPlacement } from './placement';
import { hardenedContainerSecurity, hardenedPodSecurity } from './pod-security';
import { SettledMehdbProps, settleMehdbProps } from './settle-props';

/** The claim template's name: pods' claims are `data-<name>-<ordinal>`. */
const CLAIM_NAME = 'data';
/** The datastore's Prometheus endpoint, on its HTTP port. */
const METRICS_PATH = '/metrics';
/** The Service port's name, which a ServiceMonitor endpoint refers to. */
const PORT_NAME = 'http';

/**
 * The mehdb datastore: a headless Service and a StatefulSet whose pods `<name>-0`, `<name>-1`, ...
 * each claim their own volume. With failover (the default) the pods elect their leader through a
 * Lease, with their own ServiceAccount and a Role on that Lease; without it, pod 0 leads and the
 * others follow it at {@link leaderUrl}.
 */
export class Mehdb extends Construct {
  /** Name of the StatefulSet, the headless Service and the pods' prefix. */
  public readonly name: string;
  public readonly namespace: string;
  public readonly port: number;
  public readonly service: k8s.KubeService;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The Prometheus Operator ServiceMonitor, when `serviceMonitor` is set. */
  public readonly serviceMonitor?: ServiceMonitor;
  /** Where followers reach the leader without failover, `http://<name>-0.<service>.<namespace>.svc.<domain>:<port>`. */
  public readonly leaderUrl: string;
  /** The pods' ServiceAccount, with a Role on the Lease, when failover is on. */
  public readonly serviceAccount?: kplus.ServiceAccount;
  /** The Lease the pods elect their leader with, when failover is on. */
  public readonly leaseName?: string;
  /** The props with defaults applied and checked. */
  private readonly settled: SettledMehdbProps;
  private readonly selector: Record<string, string>;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: MehdbProps) {
    super(scope, id);
    this.settled = settleMehdbProps(props);
    this.name = this.settled.name;
    this.namespace = this.settled.namespace;
    this.port = this.settled.port;
    this.leaderUrl = `http://${this.podDnsName(0)}:${this.port}`;
    this.selector = selectorLabels(this.name);
    this.labels = appLabels(this.name, 'datastore');

    if (this.settled.failover) {
      this.leaseName = this.settled.failover.leaseName;
      this.serviceAccount = grantLeaseAccess(this, { name: this.name, namespace: this.namespace, labels: this.labels, leaseName: this.leaseName });
    }
    this.service = new k8s.KubeService(this, 'Service', this._toServiceProps());
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', this._toStatefulSetProps());
    if (this.settled.podDisruptionBudget) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', this._toDisruptionBudgetProps(this.settled.podDisruptionBudget));
    }
    if (this.settled.networkPolicy) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', this._toNetworkPolicyProps());
    } else if (this.settled.hardened) {
      declarePolicyExceptions(this.statefulSet, ownNetworkPolicyException('mehdb.networkPolicy'));
    }
    if (this.settled.serviceMonitor) {
      this.serviceMonitor = this._toServiceMonitor(this.settled.serviceMonitor);
    }
  }

  /** The stable DNS name of pod `ordinal`: `<name>-<n>.<service>.<namespace>.svc.<domain>`. */
  public podDnsName(ordinal: number): string {
    checkInteger('Mehdb.podDnsName(ordinal)', ordinal, 0);
    return `${this.name}-${ordinal}.${this.name}.${this.namespace}.svc.${this.settled.clusterDomain}`;
  }

  /** The name of pod `ordinal`'s volume claim: `data-<name>-<n>`. */
  public claimName(ordinal: number): string {
    checkInteger('Mehdb.claimName(ordinal)', ordinal, 0);
    return `${CLAIM_NAME}-${this.name}-${ordinal}`;
  }

  /** The headless Service that gives each pod its DNS name. */
  private _toServiceProps(): k8s.KubeServiceProps {
    const { serviceLabels, serviceAnnotations } = this.settled;
    return {
      metadata: { name: this.name, labels: { ...this.labels, ...serviceLabels }, annotations: nonEmpty(serviceAnnotations) },
      spec: {
        clusterIp: 'None',
        // Every pod's DNS name exists before it is ready: followers must resolve the leader's name
        // before it reports ready and, with failover, a candidate must reach every peer by its
        // stable name, also one still catching up (it is not ready until it has).
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [{ name: PORT_NAME, port: this.port, targetPort: k8s.IntOrString.fromNumber(this.port) }],
      },
    };
  }

  /** Pods `<name>-0`, `<name>-1`, ... on the headless Service, each with its own claim. */
  private _toStatefulSetProps(): k8s.KubeStatefulSetProps {
    const { replicas, podLabels, updateStrategy, podManagementPolicy, persistentVolumeClaimRetentionPolicy } = this.settled;
    return {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        serviceName: this.service.name,
        replicas,
        selector: { matchLabels: this.selector },
        podManagementPolicy,
        updateStrategy: updateStrategy && {
          type: updateStrategy.type,
          rollingUpdate: updateStrategy.partition === undefined ? undefined : { partition: updateStrategy.partition },
        },
        persistentVolumeClaimRetentionPolicy,
        template: { metadata: { labels: { ...this.labels, ...podLabels }, annotations: this._podAnnotations() }, spec: this._toPodSpec() },
        volumeClaimTemplates: [this._toClaimTemplate()],
      },
    };
  }

  /** The extra pod annotations, plus Prometheus' scrape annotations when asked for. */
  private _podAnnotations(): Record<string, string> | undefined {
    const scrape: Record<string, string> = this.settled.scrapeAnnotations
      ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(this.port), 'prometheus.io/path': METRICS_PATH } : {};
    return nonEmpty({ ...this.settled.podAnnotations, ...scrape });
  }

  /** The pod: its placement, hardening when asked, the datastore container, a /tmp for the read-only root. */
  private _toPodSpec(): k8s.PodSpec {
    const { hardened, runAsUser, priorityClassName, imagePullSecrets, terminationGracePeriodSeconds } = this.settled;
    return {
      // The token only for the election (the Lease); without failover the pod never talks to the API server.
      serviceAccountName: this.serviceAccount?.name,
      automountServiceAccountToken: this.serviceAccount !== undefined,
      ...podPlacement(this.settled, this.selector),
      priorityClassName,
      imagePullSecrets: imagePullSecrets.length === 0 ? undefined : imagePullSecrets.map(name => ({ name })),
      terminationGracePeriodSeconds,
      securityContext: hardened ? hardenedPodSecurity(runAsUser) : undefined,
      containers: [this._toContainer()],
      volumes: hardened ? [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }] : undefined,
    };
  }

  /** The datastore container: where its data is, where the leader is, its probes and resources. */
  private _toContainer(): k8s.Container {
    const { containerName, image, imagePullPolicy, dataPath, hardened, resources, livenessProbe, readinessProbe, readinessPath, startupProbe, extraEnv } = this.settled;
    return {
      name: containerName,
      image,
      imagePullPolicy,
      ports: [{ name: PORT_NAME, containerPort: this.port }],
      env: [
        { name: 'MEHDB_DATADIR', value: dataPath },
        { name: 'MEHDB_PORT', value: String(this.port) },
        { name: 'MEHDB_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'MEHDB_SERVICE', value: this.service.name },
        { name: 'MEHDB_LEADER_URL', value: this.leaderUrl },
        ...(this.settled.failover ? failoverEnv(this.settled.failover, this.settled.replicas, this.settled.clusterDomain) : []),
        ...Object.entries(extraEnv).map(([name, value]) => ({ name, value })),
      ],
      startupProbe: startupProbe && this._toHttpProbe('/status', startupProbe),
      livenessProbe: this._toHttpProbe('/status', livenessProbe),
      readinessProbe: this._toHttpProbe(readinessPath, readinessProbe),
      resources: toResourceRequirements(resources),
      securityContext: hardened ? hardenedContainerSecurity() : undefined,
      volumeMounts: [
        { name: CLAIM_NAME, mountPath: dataPath },
        ...(hardened ? [{ name: 'tmp', mountPath: '/tmp' }] : []),
      ],
    };
  }

  /** An HTTP GET probe on the datastore port. */
  private _toHttpProbe(path: string, timing: ProbeTiming): k8s.Probe {
    return {
      httpGet: { path, port: k8s.IntOrString.fromNumber(this.port) },
      ...probeTimingFields(timing),
    };
  }

  /** Each pod's own volume claim `data`, from the storage layer's class. */
  private _toClaimTemplate(): k8s.KubePersistentVolumeClaimProps {
    const { accessMode, storageClassName, storageSize, claimLabels, claimAnnotations } = this.settled;
    return {
      metadata: { name: CLAIM_NAME, labels: nonEmpty(claimLabels), annotations: nonEmpty(claimAnnotations) },
      spec: {
        accessModes: [accessMode],
        storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storageSize) } },
      },
    };
  }

  /** By default lets at most one pod go at a time (a drain never takes the leader and a follower together). */
  private _toDisruptionBudgetProps(budget: DisruptionBudget): k8s.KubePodDisruptionBudgetProps {
    const amount = (v?: number | string) => v === undefined ? undefined
      : typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
    return {
      metadata: { name: this.name, labels: this.labels },
      spec: { minAvailable: amount(budget.minAvailable), maxUnavailable: amount(budget.maxUnavailable), selector: { matchLabels: this.selector } },
    };
  }

  /** Prometheus Operator: scrape `/metrics` on the Service's named port, in this namespace. */
  private _toServiceMonitor(settings: SettledServiceMonitor): ServiceMonitor {
    return new ServiceMonitor(this, 'ServiceMonitor', {
      metadata: { name: this.name, labels: { ...this.labels, ...settings.labels } },
      selector: { matchLabels: this.selector },
      namespaceSelector: { matchNames: [this.namespace] },
      endpoints: [{ port: PORT_NAME, path: METRICS_PATH, interval: settings.interval, scrapeTimeout: settings.scrapeTimeout }],
    });
  }

  /**
   * The datastore has no authentication, so this is its access control: the port is open to the
   * peers (replication) and to pods labelled as clients in the same namespace; egress goes only to
   * DNS, the peers and, with failover, the API server (the Lease) on the storage layer's
   * `apiServerPorts`. Kubelet probes come from the node (see docs/policy.md).
   */
  private _toNetworkPolicyProps(): k8s.KubeNetworkPolicyProps {
    const peers: k8s.NetworkPolicyPeer = { podSelector: { matchLabels: this.selector } };
    const clients: k8s.NetworkPolicyPeer = { podSelector: { matchLabels: this.settled.clientSelector } };
    return {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        podSelector: { matchLabels: this.selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [peers, clients], ports: [policyPort(this.port)] }],
        egress: [
          DNS_EGRESS,
          { to: [peers], ports: [policyPort(this.port)] },
          ...(this.settled.failover ? [apiServerEgress(this.settled.apiServerPorts)] : []),
        ],
      },
    };
  }
}

/** Leaves out empty maps, so the manifest shows only what was asked for. */
function nonEmpty<T extends object>(value: T): T | undefined {
  return Object.keys(value).length === 0 ? undefined : value;
}
