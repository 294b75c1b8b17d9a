import { Construct } from 'constructs';
import { k8s } from '../../imports';
import { appLabels } from '../common/labels';

/**
 * What the provisioner may do cluster-wide: create and delete PersistentVolumes for claims of
 * its StorageClass, record events, and read its own Service and Endpoints.
 */
export const PROVISIONER_CLUSTER_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'update'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: [''], resources: ['services', 'endpoints'], verbs: ['get'] },
];

/**
 * With `volumeBindingMode: WaitForFirstConsumer` the provisioner reads the node the scheduler
 * selected for the claim's pod (its provisioning fails with "cannot get resource nodes" without).
 */
export const PROVISIONER_SELECTED_NODE_RULE: k8s.PolicyRule = { apiGroups: [''], resources: ['nodes'], verbs: ['get'] };

/**
 * Leader election in the provisioner's namespace: older provisioner libraries lock an Endpoints
 * object, newer ones a coordination.k8s.io Lease.
 */
export const PROVISIONER_LEADER_ELECTION_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
];

/** Who gets the provisioner's permissions, and under which names. */
export interface ProvisionerAccess {
  /** Base name: roles are `<name>-runner` and `leader-locking-<name>`, the cluster binding `run-<name>`. */
  readonly name: string;
  /** Namespace of the ServiceAccount (the subjects name it) and of the leader-election Role. */
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** Also allow `use` of this PodSecurityPolicy (clusters older than 1.25). @default - none */
  readonly podSecurityPolicyName?: string;
  /** Also allow reading nodes, which WaitForFirstConsumer binding needs. @default false */
  readonly readsSelectedNode?: boolean;
}

/**
 * The provisioner's RBAC: a ClusterRole + ClusterRoleBinding in `clusterScope` and a leader-election
 * Role + RoleBinding in `scope`, both bound to the ServiceAccount in its real namespace.
 */
export function grantProvisionerAccess(scope: Construct, clusterScope: Construct, access: ProvisionerAccess): void {
  const labels = appLabels(access.name, 'storage');
  const subject: k8s.Subject = { kind: 'ServiceAccount', name: access.serviceAccountName, namespace: access.namespace };
  const pspRule: k8s.PolicyRule[] = access.podSecurityPolicyName ? [{
    apiGroups: ['extensions'], resources: ['podsecuritypolicies'], resourceNames: [access.podSecurityPolicyName], verbs: ['use'],
  }] : [];

  const clusterRole = new k8s.KubeClusterRole(clusterScope, `${scope.node.id}ClusterRole`, {
    metadata: { name: `${access.name}-runner`, labels },
    rules: [...PROVISIONER_CLUSTER_RULES, ...(access.readsSelectedNode ? [PROVISIONER_SELECTED_NODE_RULE] : []), ...pspRule],
  });
  new k8s.KubeClusterRoleBinding(clusterScope, `${scope.node.id}ClusterRoleBinding`, {
    metadata: { name: `run-${access.name}`, labels },
    subjects: [subject],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole.name },
  });
  const role = new k8s.KubeRole(scope, 'LeaderElectionRole', {
    metadata: { name: `leader-locking-${access.name}`, labels },
    rules: [...PROVISIONER_LEADER_ELECTION_RULES],
  });
  new k8s.KubeRoleBinding(scope, 'LeaderElectionRoleBinding', {
    metadata: { name: `leader-locking-${access.name}`, labels },
    subjects: [subject],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
  });
}
