import { k8s } from '../../imports';

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
 * Leader election in the provisioner's namespace: older provisioner libraries lock an Endpoints
 * object, newer ones a coordination.k8s.io Lease.
 */
export const PROVISIONER_LEADER_ELECTION_RULES: readonly k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
];
