import { find, KubeObject, presetConfig, synth } from './support/synth';

const container = (deployment: KubeObject) => deployment.spec.template.spec.containers[0];

describe('NfsProvisioner', () => {
  test('the StorageClass names the same provisioner as the -provisioner= argument', () => {
    for (const preset of ['default', 'tutorial'] as const) {
      const { all } = synth(presetConfig(preset));
      const storageClass = find(all, 'StorageClass', 'nfs-dynamic');
      expect(container(find(all, 'Deployment', 'nfs-provisioner')).args).toEqual([`-provisioner=${storageClass.provisioner}`]);
    }
  });

  test('the Service lists exactly the ports the container serves: 4 for v2 images, 12 for v4', () => {
    for (const [preset, count] of [['tutorial', 4], ['default', 12]] as const) {
      const { all } = synth(presetConfig(preset));
      const servicePorts = find(all, 'Service', 'nfs-provisioner').spec.ports
        .map((p: any) => `${p.name}:${p.port}/${p.protocol ?? 'TCP'}`);
      const containerPorts = container(find(all, 'Deployment', 'nfs-provisioner')).ports
        .map((p: any) => `${p.name}:${p.containerPort}/${p.protocol ?? 'TCP'}`);
      expect(servicePorts).toHaveLength(count);
      expect(servicePorts).toEqual(containerPorts);
    }
  });

  test('v4 ports include nlockmgr, rquotad and statd with UDP twins', () => {
    const ports = find(synth(presetConfig('default')).all, 'Service', 'nfs-provisioner').spec.ports;
    expect(ports).toEqual(expect.arrayContaining([
      { name: 'nlockmgr', port: 32803, protocol: 'TCP' }, { name: 'rquotad-udp', port: 875, protocol: 'UDP' },
      { name: 'statd', port: 662, protocol: 'TCP' }, { name: 'nfs-udp', port: 2049, protocol: 'UDP' },
    ]));
  });

  test('RBAC subjects name the namespace the provisioner is deployed in, never a hard-coded default', () => {
    for (const namespace of ['default', 'course', 'storage-system']) {
      const { all } = synth(presetConfig('tutorial', { namespace }));
      for (const binding of [find(all, 'ClusterRoleBinding', 'run-nfs-provisioner'), find(all, 'RoleBinding', 'leader-locking-nfs-provisioner')]) {
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'nfs-provisioner', namespace }]);
      }
      expect(find(all, 'Deployment', 'nfs-provisioner').metadata.namespace).toBe(namespace);
    }
  });

  test('bindings point at the roles that exist', () => {
    const { all } = synth(presetConfig('default'));
    expect(find(all, 'ClusterRole', find(all, 'ClusterRoleBinding', 'run-nfs-provisioner').roleRef.name)).toBeDefined();
    expect(find(all, 'Role', find(all, 'RoleBinding', 'leader-locking-nfs-provisioner').roleRef.name)).toBeDefined();
  });

  test('the pod keeps its service-account token, runs under RuntimeDefault seccomp, drops every capability and adds back Ganesha\'s', () => {
    const deployment = find(synth(presetConfig('default')).all, 'Deployment', 'nfs-provisioner');
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('nfs-provisioner');
    expect(deployment.spec.template.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(deployment).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'], add: ['DAC_READ_SEARCH', 'FOWNER', 'SETGID', 'SETUID', 'SETPCAP', 'NET_BIND_SERVICE'] },
    });
    expect(container(deployment).securityContext.capabilities.add).not.toContain('NET_RAW');
    expect(deployment.spec.replicas).toBe(1);
  });

  test('one server per export directory: the old pod goes before the new one comes (the course: Recreate)', () => {
    expect(find(synth(presetConfig('default')).all, 'Deployment', 'nfs-provisioner').spec.strategy)
      .toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(find(synth(presetConfig('tutorial')).all, 'Deployment', 'nfs-provisioner').spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('hardened: TCP readiness on the NFS port, liveness on mountd, no privilege escalation; at most 3 kube-score ignores', () => {
    const deployment = find(synth(presetConfig('default')).all, 'Deployment', 'nfs-provisioner');
    expect(container(deployment).readinessProbe.tcpSocket).toEqual({ port: 2049 });
    expect(container(deployment).livenessProbe.tcpSocket).toEqual({ port: 20048 });
    expect(container(deployment).securityContext.allowPrivilegeEscalation).toBe(false);
    expect(deployment.metadata.annotations!['kube-score/ignore'].split(',')).toHaveLength(3);
  });

  test('the env the provisioner reads: its pod IP, its Service name and its namespace', () => {
    const deployment = find(synth(presetConfig('default')).all, 'Deployment', 'nfs-provisioner');
    expect(container(deployment).env).toEqual([
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'SERVICE_NAME', value: 'nfs-provisioner' },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
  });

  test('the Service selects the Deployment\'s pods', () => {
    const { all } = synth(presetConfig('default'));
    const podLabels = find(all, 'Deployment', 'nfs-provisioner').spec.template.metadata.labels;
    expect(podLabels).toMatchObject(find(all, 'Service', 'nfs-provisioner').spec.selector);
    expect(podLabels).toMatchObject(find(all, 'Deployment', 'nfs-provisioner').spec.selector.matchLabels);
  });

  test('the tutorial preset pins the provisioner to "master" and tolerates both control-plane taints', () => {
    const spec = find(synth(presetConfig('tutorial')).all, 'Deployment', 'nfs-provisioner').spec.template.spec;
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/hostname': 'master' });
    expect(spec.tolerations.map((t: any) => t.key)).toEqual(['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane']);
    expect(spec.volumes).toEqual([{ name: 'export-volume', hostPath: { path: '/storage/dynamic' } }]);
  });

  test('the test claim exists only when asked for', () => {
    expect(synth(presetConfig('tutorial')).all.filter(o => o.kind === 'PersistentVolumeClaim').map(o => o.metadata.name)).toEqual(['nfs']);
    expect(synth(presetConfig('default')).all.filter(o => o.kind === 'PersistentVolumeClaim')).toEqual([]);
  });
});
