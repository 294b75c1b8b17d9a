import { find, KubeObject, presetConfig, synth } from './support/synth';

/** Whether a matchLabels selector selects a pod with these labels. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const workloads = (all: KubeObject[]) => all.filter(o => ['Deployment', 'StatefulSet'].includes(o.kind));
const podLabels = (workload: KubeObject) => workload.spec.template.metadata.labels;
const containerPorts = (workload: KubeObject) => workload.spec.template.spec.containers
  .flatMap((c: any) => c.ports.map((p: any) => `${p.containerPort}/${p.protocol ?? 'TCP'}`)).sort();
const policyPorts = (rule: any) => rule.ports.map((p: any) => `${p.port}/${p.protocol}`).sort();

describe.each([
  ['default', presetConfig('default')],
  ['custom names and port', presetConfig('default', { namespace: 'shop', storage: { name: 'shop-nfs' }, mehdb: { name: 'orders', port: 8080, replicas: 3 } })],
])('NetworkPolicies, %s', (_name, config) => {
  const { all } = synth(config);
  const policies = all.filter(o => o.kind === 'NetworkPolicy');

  test('each workload\'s pods are selected by exactly one policy, which selects no other workload', () => {
    expect(policies).toHaveLength(2);
    for (const workload of workloads(all)) {
      const selecting = policies.filter(p => selects(p.spec.podSelector.matchLabels, podLabels(workload)));
      expect(selecting).toHaveLength(1);
      expect(selecting[0].metadata.name).toBe(workload.metadata.name);
      expect(selecting[0].spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
  });

  test('the ports opened for ingress are exactly the ports of the selected containers', () => {
    for (const workload of workloads(all)) {
      const policy = find(all, 'NetworkPolicy', workload.metadata.name);
      expect(policy.spec.ingress).toHaveLength(1);
      expect(policyPorts(policy.spec.ingress[0])).toEqual(containerPorts(workload));
    }
  });

  test('mehdb: ingress only from its peers and from pods labelled mehdb-client=true in its namespace; egress to DNS, the peers and (failover) the API server', () => {
    const sts = all.find(o => o.kind === 'StatefulSet')!;
    const policy = find(all, 'NetworkPolicy', sts.metadata.name);
    expect(policy.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: sts.spec.selector.matchLabels } },
      { podSelector: { matchLabels: { 'mehdb-client': 'true' } } },
    ]);
    expect(policy.spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: sts.spec.selector.matchLabels } }], ports: policy.spec.ingress[0].ports },
      { ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] },
    ]);
    // The client label selects neither workload's pods (no accidental self-grant).
    for (const workload of workloads(all)) expect(selects({ 'mehdb-client': 'true' }, podLabels(workload))).toBe(false);
  });

  test('provisioner: NFS ports open to the configured node addresses only', () => {
    const deployment = all.find(o => o.kind === 'Deployment')!;
    const policy = find(all, 'NetworkPolicy', deployment.metadata.name);
    expect(policy.spec.ingress[0].from).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(cidr => ({ ipBlock: { cidr } })));
  });
});

test('the client selector and the node addresses are settings', () => {
  const { all } = synth(presetConfig('default', { mehdb: { clientSelector: { role: 'api' } }, storage: { nfsClientCidrs: ['192.168.10.0/24'] } }));
  expect(find(all, 'NetworkPolicy', 'mehdb').spec.ingress[0].from[1]).toEqual({ podSelector: { matchLabels: { role: 'api' } } });
  expect(find(all, 'NetworkPolicy', 'nfs-provisioner').spec.ingress[0].from).toEqual([{ ipBlock: { cidr: '192.168.10.0/24' } }]);
});

test('with the policies switched off (and in the tutorial preset) there is none', () => {
  const off = synth(presetConfig('default', { mehdb: { networkPolicy: false }, storage: { networkPolicy: false } })).all;
  expect(off.filter(o => o.kind === 'NetworkPolicy')).toEqual([]);
  expect(synth(presetConfig('tutorial')).all.filter(o => o.kind === 'NetworkPolicy')).toEqual([]);
});

test('switched off, each hardened workload declares the network-policy exception, so synth passes and reviewers see why', () => {
  const off = synth(presetConfig('default', { mehdb: { networkPolicy: false }, storage: { networkPolicy: false } })).all;
  const exception = (o: { metadata: { annotations?: Record<string, string> } }) => o.metadata.annotations?.['exception.policy.mehdb.local/network-policy'];
  expect(exception(find(off, 'StatefulSet', 'mehdb'))).toMatch(/^mehdb\.networkPolicy is false: /);
  expect(exception(find(off, 'Deployment', 'nfs-provisioner'))).toMatch(/^storage\.networkPolicy is false: /);
  const tutorial = synth(presetConfig('tutorial')).all;
  expect(exception(find(tutorial, 'StatefulSet', 'mehdb'))).toBeUndefined();
});
