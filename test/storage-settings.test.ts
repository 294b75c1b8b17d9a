import { SeccompProfile } from '../lib';
import { PRODUCTION_OVERRIDES } from './fixtures/config-variants';
import { find, presetConfig, synth } from './support/synth';

// GIVEN the default preset with the storage production settings  WHEN synthesized
// THEN each setting lands where the provisioner or Kubernetes reads it; unset, nothing moves.
const production = synth(presetConfig('default', { storage: PRODUCTION_OVERRIDES.storage })).all;
const plain = synth(presetConfig('default')).all;
const containerOf = (all: typeof plain) => find(all, 'Deployment', 'nfs-provisioner').spec.template.spec.containers[0];

describe('NfsProvisioner production settings', () => {
  test('extra args follow the -provisioner= the construct sets', () => {
    expect(containerOf(production).args).toEqual(['-provisioner=mehdb.local/nfs', '-device-based-fsids=false']);
    expect(containerOf(plain).args).toEqual(['-provisioner=mehdb.local/nfs']);
  });

  test('probe timing: timeout and failure threshold laid over the defaults', () => {
    expect(containerOf(production).readinessProbe).toEqual({ tcpSocket: { port: 2049 }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3 });
    expect(containerOf(production).livenessProbe).toEqual({ tcpSocket: { port: 20048 }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5 });
    expect(containerOf(plain).livenessProbe).toEqual({ tcpSocket: { port: 20048 }, initialDelaySeconds: 30, periodSeconds: 20, failureThreshold: 3 });
  });

  test('security: the seccomp profile is the pod\'s, Unconfined declares the seccomp exception; capabilities are settable', () => {
    const deployment = (all: typeof plain) => find(all, 'Deployment', 'nfs-provisioner');
    expect(deployment(production).spec.template.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    const annotations = (all: typeof plain) => Object.keys(deployment(all).metadata.annotations ?? {});
    expect(annotations(plain)).not.toContain('exception.policy.mehdb.local/seccomp-profile');
    const unconfined = synth(presetConfig('default', { storage: { seccompProfile: SeccompProfile.UNCONFINED } })).all;
    expect(deployment(unconfined).spec.template.spec.securityContext).toEqual({ seccompProfile: { type: 'Unconfined' } });
    expect(annotations(unconfined)).toContain('exception.policy.mehdb.local/seccomp-profile');
    const none = synth(presetConfig('default', { storage: { capabilities: [] } })).all;
    expect(containerOf(none).securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const more = synth(presetConfig('default', { storage: { capabilities: ['DAC_READ_SEARCH', 'SYS_RESOURCE'] } })).all;
    expect(containerOf(more).securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['DAC_READ_SEARCH', 'SYS_RESOURCE'] });
  });

  test('StorageClass: allowVolumeExpansion, volumeBindingMode and the default-class annotation; Kubernetes\' defaults left out', () => {
    const storageClass = find(production, 'StorageClass', 'nfs-dynamic');
    expect(storageClass.allowVolumeExpansion).toBe(true);
    expect(storageClass.volumeBindingMode).toBe('WaitForFirstConsumer');
    expect(storageClass.metadata.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    const plainClass = find(plain, 'StorageClass', 'nfs-dynamic');
    for (const field of ['allowVolumeExpansion', 'volumeBindingMode']) expect(plainClass).not.toHaveProperty(field);
    expect(plainClass.metadata).not.toHaveProperty('annotations');
  });

  test('WaitForFirstConsumer lets the provisioner read nodes (the selected node), and only then', () => {
    // Found on real nodes: without it the real provisioner fails with "cannot get resource nodes".
    const readsNodes = (all: typeof plain) => find(all, 'ClusterRole', 'nfs-provisioner-runner').rules
      .some((r: { resources: string[]; verbs: string[] }) => r.resources.includes('nodes') && r.verbs.includes('get'));
    expect(readsNodes(production)).toBe(true);
    expect(readsNodes(plain)).toBe(false);
  });
});
