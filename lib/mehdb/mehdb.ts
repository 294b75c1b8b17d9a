import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels, selectorLabels } from '../common/labels';
import { checkResources, toResourceRequirements } from '../common/resources';
import {
  checkAbsolutePath, checkDnsLabel, checkDnsSubdomain, checkInteger, checkOneOf, checkPinnedImage, checkPort, checkQuantity,
} from '../common/validate';
import { recordedDatastoreImage } from './datastore-image';
import { AntiAffinityMode, MehdbProps, ProbeTiming } from './mehdb-props';
import { hardenedContainerSecurity, hardenedPodSecurity } from './pod-security';

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
  private readonly clusterDomain: string;

  constructor(scope: Construct, id: string, props: MehdbProps) {
    super(scope, id);
    this.name = checkDnsLabel('Mehdb.name', props.name ?? 'mehdb');
    this.namespace = checkDnsLabel('Mehdb.namespace', props.namespace);
    this.port = checkPort('Mehdb.port', props.port ?? 9876);
    this.clusterDomain = checkDnsSubdomain('Mehdb.clusterDomain', props.clusterDomain ?? 'cluster.local');
    this.leaderUrl = `http://${this.podDnsName(0)}:${this.port}`;
    const replicas = checkInteger('Mehdb.replicas', props.replicas ?? 2, 1, 1000);
    const image = checkPinnedImage('Mehdb.image', props.image ?? recordedDatastoreImage());
    const containerName = checkDnsLabel('Mehdb.containerName', props.containerName ?? 'mehdb');
    const storageSize = checkQuantity('Mehdb.storageSize', props.storageSize ?? '1Gi');
    const storageClassName = checkDnsSubdomain('Mehdb.storageClassName', props.storageClassName);
    const accessMode = checkOneOf('Mehdb.accessMode', props.accessMode ?? 'ReadWriteMany', ['ReadWriteOnce', 'ReadWriteMany', 'ReadWriteOncePod']);
    const dataPath = checkAbsolutePath('Mehdb.dataPath', props.dataPath ?? '/mehdbdata');
    const antiAffinity = checkOneOf('Mehdb.antiAffinity', props.antiAffinity ?? 'required', ['required', 'preferred', 'none']);
    const hardened = props.hardened ?? true;
    const runAsUser = checkInteger('Mehdb.runAsUser', props.runAsUser ?? 65532, 1, 2147483647);
    const resources = checkResources('Mehdb.resources', props.resources ?? {
      requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' },
    });
    const liveness = checkProbeTiming('Mehdb.livenessProbe', props.livenessProbe ?? { initialDelaySeconds: 5, periodSeconds: 10 });
    const readiness = checkProbeTiming('Mehdb.readinessProbe', props.readinessProbe ?? { initialDelaySeconds: 2, periodSeconds: 5 });
    const readinessPath = checkOneOf('Mehdb.readinessPath', props.readinessPath ?? '/status?level=full', ['/status?level=full', '/readyz']);
    const selector = selectorLabels(this.name);
    const labels = appLabels(this.name, 'datastore');

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, labels },
      spec: {
        clusterIp: 'None',
        // Followers must resolve the leader's name before it reports ready.
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'http', port: this.port, targetPort: k8s.IntOrString.fromNumber(this.port) }],
      },
    });

    const httpGet = (path: string, timing: ProbeTiming): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromNumber(this.port) },
      initialDelaySeconds: timing.initialDelaySeconds,
      periodSeconds: timing.periodSeconds,
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: this.name, labels },
      spec: {
        serviceName: this.service.name,
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            affinity: podAntiAffinity(antiAffinity, selector),
            securityContext: hardened ? hardenedPodSecurity(runAsUser) : undefined,
            containers: [{
              name: containerName,
              image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: this.port }],
              env: [
                { name: 'MEHDB_DATADIR', value: dataPath },
                { name: 'MEHDB_PORT', value: String(this.port) },
                { name: 'MEHDB_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'MEHDB_SERVICE', value: this.service.name },
                { name: 'MEHDB_LEADER_URL', value: this.leaderUrl },
              ],
              livenessProbe: httpGet('/status', liveness),
              readinessProbe: httpGet(readinessPath, readiness),
              resources: toResourceRequirements(resources),
              securityContext: hardened ? hardenedContainerSecurity() : undefined,
              volumeMounts: [
                { name: CLAIM_NAME, mountPath: dataPath },
                ...(hardened ? [{ name: 'tmp', mountPath: '/tmp' }] : []),
              ],
            }],
            volumes: hardened ? [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }] : undefined,
          },
        },
        volumeClaimTemplates: [{
          metadata: { name: CLAIM_NAME },
          spec: {
            accessModes: [accessMode],
            storageClassName,
            resources: { requests: { storage: k8s.Quantity.fromString(storageSize) } },
          },
        }],
      },
    });

    if (props.podDisruptionBudget ?? true) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }
  }

  /** The stable DNS name of pod `ordinal`: `<name>-<n>.<service>.<namespace>.svc.<domain>`. */
  public podDnsName(ordinal: number): string {
    checkInteger('Mehdb.podDnsName(ordinal)', ordinal, 0);
    return `${this.name}-${ordinal}.${this.name}.${this.namespace}.svc.${this.clusterDomain}`;
  }

  /** The name of pod `ordinal`'s volume claim: `data-<name>-<n>`. */
  public claimName(ordinal: number): string {
    checkInteger('Mehdb.claimName(ordinal)', ordinal, 0);
    return `${CLAIM_NAME}-${this.name}-${ordinal}`;
  }
}

function checkProbeTiming(prop: string, timing: ProbeTiming): ProbeTiming {
  checkInteger(`${prop}.initialDelaySeconds`, timing.initialDelaySeconds, 0, 3600);
  checkInteger(`${prop}.periodSeconds`, timing.periodSeconds, 1, 3600);
  return timing;
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
