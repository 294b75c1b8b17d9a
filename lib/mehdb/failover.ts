import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { toMilliseconds } from './mehdb-env';
import { SettledFailover } from './mehdb-schema';

/**
 * What the datastore's election needs, and nothing more: on `leases` in its own namespace, `create`
 * (the first pod makes the Lease) and `get` / `update` of that one Lease.
 */
export function leaseRules(leaseName: string): k8s.PolicyRule[] {
  return [
    // `create` cannot be restricted by resourceNames: the authorizer sees no name before the
    // object exists, so a rule naming one would never allow it.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [leaseName], verbs: ['get', 'update'] },
  ];
}

/** Names and labels of the datastore's identity. */
export interface LeaseAccess {
  /** The ServiceAccount's name; the Role and binding are `<name>-leader-election`. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly leaseName: string;
}

/**
 * The datastore's own ServiceAccount, a Role on its Lease and the binding between them. The
 * ServiceAccount mounts no token by itself: only the mehdb pod template asks for it.
 */
export function grantLeaseAccess(scope: Construct, access: LeaseAccess): kplus.ServiceAccount {
  const serviceAccount = new kplus.ServiceAccount(scope, 'ServiceAccount', {
    metadata: { name: access.name, labels: access.labels },
    automountToken: false,
  });
  const role = new k8s.KubeRole(scope, 'LeaderElectionRole', {
    metadata: { name: `${access.name}-leader-election`, labels: access.labels },
    rules: leaseRules(access.leaseName),
  });
  new k8s.KubeRoleBinding(scope, 'LeaderElectionRoleBinding', {
    metadata: { name: `${access.name}-leader-election`, labels: access.labels },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount.name, namespace: access.namespace }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
  });
  return serviceAccount;
}

/**
 * The datastore's failover settings as its environment (datastore/README.md): its pod name from the
 * downward API (the Lease's holder identity), the peers' count and domain, the timings in milliseconds.
 */
export function failoverEnv(failover: SettledFailover & { readonly leaseName: string }, replicas: number, clusterDomain: string): k8s.EnvVar[] {
  const ms = (seconds: number) => String(toMilliseconds(seconds));
  return [
    { name: 'MEHDB_HOST', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'MEHDB_CLUSTER_DOMAIN', value: clusterDomain },
    { name: 'MEHDB_REPLICAS', value: String(replicas) },
    { name: 'MEHDB_FAILOVER', value: 'lease' },
    { name: 'MEHDB_LEASE_NAME', value: failover.leaseName },
    { name: 'MEHDB_LEASE_DURATION_MS', value: ms(failover.leaseDurationSeconds) },
    { name: 'MEHDB_RENEW_DEADLINE_MS', value: ms(failover.renewDeadlineSeconds) },
    { name: 'MEHDB_RETRY_PERIOD_MS', value: ms(failover.retryPeriodSeconds) },
    { name: 'MEHDB_SYNC_ACKS', value: String(failover.syncAcks) },
    { name: 'MEHDB_SYNC_TIMEOUT_MS', value: ms(failover.syncTimeoutSeconds) },
    { name: 'MEHDB_SOLO', value: String(failover.solo) },
  ];
}
