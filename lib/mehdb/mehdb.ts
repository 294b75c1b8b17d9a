import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels, selectorLabels } from '../common/labels';
import { DNS_EGRESS, policyPort } from '../common/network';
import { toResourceRequirements } from '../common/resources';
import { checkInteger } from '../common/validate';
import { AntiAffinityMode, MehdbProps, ProbeTiming, SettledMehdbProps } from './mehdb-props';
import { hardenedContainerSecurity, hardenedPodSecurity } from './pod-security';
import { settleMehdbProps } from './settle-props';

/** The claim template's name: pods' claims are `data-<name>-<ordinal>`. */
const CLAIM_NAME = 'data';

/**
 * The mehdb datastore: a headless Service and a StatefulSet whose pods `<name>-0`, `<name>-1`, ...
 * each claim their own volume. Pod 0 leads; the others follow it at {@link leaderUrl}.
 */
export class Mehdb extends Construct {
  /** Name of the StatefulSet, the headless Service and the pods' prefix. */
  public readonly name: string;
  public readonly namespace: string;
  public readonly port: number;
  public readonly service: k8s.KubeService;
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** Where followers reach the leader, `http://<name>-0.<service>.<namespace>.svc.<domain>:<port>`. */
  public readonly leaderUrl: string;
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

    this.service = new k8s.KubeService(this, 'Service', this._toServiceProps());
    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', this._toStatefulSetProps());
    if (this.settled.podDisruptionBudget) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', this._toDisruptionBudgetProps());
    }
    if (this.settled.networkPolicy) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', this._toNetworkPolicyProps());
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
    return {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        clusterIp: 'None',
        // Followers must resolve the leader's name before it reports ready.
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromNumber(this.port) }],
      },
    };
  }

  /** Pods `<name>-0`, `<name>-1`, ... on the headless Service, each with its own claim. */
  private _toStatefulSetProps(): k8s.KubeStatefulSetProps {
    return {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        serviceName: this.service.name,
        replicas: this.settled.replicas,
        selector: { matchLabels: this.selector },
        template: { metadata: { labels: this.labels }, spec: this._toPodSpec() },
        volumeClaimTemplates: [this._toClaimTemplate()],
      },
    };
  }

  /** The pod: anti-affinity, hardening when asked, the datastore container, a /tmp for the read-only root. */
  private _toPodSpec(): k8s.PodSpec {
    const { hardened, runAsUser, antiAffinity } = this.settled;
    return {
      automountServiceAccountToken: false,
      affinity: podAntiAffinity(antiAffinity, this.selector),
      securityContext: hardened ? hardenedPodSecurity(runAsUser) : undefined,
      containers: [this._toContainer()],
      volumes: hardened ? [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }] : undefined,
    };
  }

  /** The datastore container: where its data is, where the leader is, its probes and resources. */
  private _toContainer(): k8s.Container {
    const { containerName, image, imagePullPolicy, dataPath, hardened, resources, livenessProbe, readinessProbe, readinessPath } = this.settled;
    return {
      name: containerName,
      image,
      imagePullPolicy,
      ports: [{ name: 'http', containerPort: this.port }],
      env: [
        { name: 'MEHDB_DATADIR', value: dataPath },
        { name: 'MEHDB_PORT', value: String(this.port) },
        { name: 'MEHDB_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'MEHDB_SERVICE', value: this.service.name },
        { name: 'MEHDB_LEADER_URL', value: this.leaderUrl },
      ],
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
      initialDelaySeconds: timing.initialDelaySeconds,
      periodSeconds: timing.periodSeconds,
    };
  }

  /** Each pod's own volume claim `data`, from the storage layer's class. */
  private _toClaimTemplate(): k8s.KubePersistentVolumeClaimProps {
    const { accessMode, storageClassName, storageSize } = this.settled;
    return {
      metadata: { name: CLAIM_NAME },
      spec: {
        accessModes: [accessMode],
        storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storageSize) } },
      },
    };
  }

  /** Lets at most one pod go at a time (a drain never takes the leader and a follower together). */
  private _toDisruptionBudgetProps(): k8s.KubePodDisruptionBudgetProps {
    return {
      metadata: { name: this.name, labels: this.labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
    };
  }

  /**
   * The datastore has no authentication, so this is its access control: the port is open to the
   * peers (replication) and to pods labelled as clients in the same namespace; egress goes only to
   * DNS and the peers. Kubelet probes come from the node (see the README's policy section).
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
        egress: [DNS_EGRESS, { to: [peers], ports: [policyPort(this.port)] }],
      },
    };
  }
}

function podAntiAffinity(mode: AntiAffinityMode, selector: Record<string, string>): k8s.Affinity | undefined {
  const term: k8s.PodAffinityTerm = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  switch (mode) {
    case 'required':
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
    case 'preferred':
      return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
    case 'none':
      return undefined;
  }
}
