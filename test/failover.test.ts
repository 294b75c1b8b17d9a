import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Chart } from 'cdk8s';
import { ConfigError, loadConfig } from '../lib/config';
import { Mehdb, MehdbProps } from '../lib/mehdb';
import { OWNED_ENV } from '../lib/mehdb/mehdb-env';
import { TWO_REPLICAS_SOLO_FAILOVER } from './fixtures/config-variants';
import { find, KubeObject, presetConfig, synth, TEST_IMAGE } from './support/synth';

const datastore = (all: KubeObject[]) => find(all, 'StatefulSet', 'mehdb');
const podSpec = (all: KubeObject[]) => datastore(all).spec.template.spec;
const envOf = (all: KubeObject[]) => podSpec(all).containers[0].env as Array<{ name: string; value?: string; valueFrom?: unknown }>;
const envValue = (all: KubeObject[], name: string) => envOf(all).find(e => e.name === name)?.value;
const named = (all: KubeObject[], kind: string, name: string) => all.filter(o => o.kind === kind && o.metadata.name === name);

/** The variables the construct sets for failover, beside those it always sets. */
const FAILOVER_ENV = ['MEHDB_HOST', 'MEHDB_CLUSTER_DOMAIN', 'MEHDB_REPLICAS', 'MEHDB_FAILOVER', 'MEHDB_LEASE_NAME', 'MEHDB_LEASE_DURATION_MS',
  'MEHDB_RENEW_DEADLINE_MS', 'MEHDB_RETRY_PERIOD_MS', 'MEHDB_SYNC_ACKS', 'MEHDB_SYNC_TIMEOUT_MS', 'MEHDB_SOLO'];

// GIVEN the default preset (failover on)  WHEN synthesized  THEN the datastore has an identity for the election and nothing more.
describe('failover in the default preset', () => {
  const { all } = synth(presetConfig('default'));

  test('3 replicas with their own ServiceAccount, which mounts no token by itself', () => {
    expect(datastore(all).spec.replicas).toBe(3);
    expect(find(all, 'ServiceAccount', 'mehdb')).toMatchObject({ automountServiceAccountToken: false, metadata: { namespace: 'mehdb' } });
  });

  test('a Role on leases only: create (which resourceNames cannot restrict), get and update of its own Lease', () => {
    expect(find(all, 'Role', 'mehdb-leader-election').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['mehdb-leader'], verbs: ['get', 'update'] },
    ]);
  });

  test('a RoleBinding of that Role to that ServiceAccount, in its namespace', () => {
    const binding = find(all, 'RoleBinding', 'mehdb-leader-election');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'mehdb', namespace: 'mehdb' }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'mehdb-leader-election' });
  });

  test('the mehdb pods run as that ServiceAccount with its token; the provisioner keeps its own', () => {
    expect(podSpec(all)).toMatchObject({ serviceAccountName: 'mehdb', automountServiceAccountToken: true });
    const provisioner = find(all, 'Deployment', 'nfs-provisioner').spec.template.spec;
    expect(provisioner).toMatchObject({ serviceAccountName: 'nfs-provisioner', automountServiceAccountToken: true });
  });

  test('the failover settings as the datastore\'s env, pod name and namespace from the downward API', () => {
    const env = envOf(all);
    expect(env.filter(e => FAILOVER_ENV.includes(e.name))).toEqual([
      { name: 'MEHDB_HOST', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'MEHDB_CLUSTER_DOMAIN', value: 'cluster.local' },
      { name: 'MEHDB_REPLICAS', value: '3' },
      { name: 'MEHDB_FAILOVER', value: 'lease' },
      { name: 'MEHDB_LEASE_NAME', value: 'mehdb-leader' },
      { name: 'MEHDB_LEASE_DURATION_MS', value: '5000' },
      { name: 'MEHDB_RENEW_DEADLINE_MS', value: '3000' },
      { name: 'MEHDB_RETRY_PERIOD_MS', value: '1000' },
      { name: 'MEHDB_SYNC_ACKS', value: '1' },
      { name: 'MEHDB_SYNC_TIMEOUT_MS', value: '2000' },
      { name: 'MEHDB_SOLO', value: 'false' },
    ]);
    expect(env).toContainEqual({ name: 'MEHDB_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
  });

  test('the NetworkPolicy lets the pods reach the API server on the provisioner\'s apiServerPorts, and nothing else new', () => {
    const egress = find(all, 'NetworkPolicy', 'mehdb').spec.egress;
    const apiServer = find(all, 'NetworkPolicy', 'nfs-provisioner').spec.egress[1];
    expect(apiServer).toEqual({ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] });
    expect(egress).toHaveLength(3);
    expect(egress[2]).toEqual(apiServer);
  });

  test('the headless Service publishes not-ready pods, so a candidate reaches every peer by name', () => {
    expect(find(all, 'Service', 'mehdb').spec.publishNotReadyAddresses).toBe(true);
  });
});

test('storage.apiServerPorts moves the API server egress of both policies: one list', () => {
  const { all } = synth(presetConfig('default', { storage: { apiServerPorts: [8443] } }));
  for (const name of ['mehdb', 'nfs-provisioner']) {
    expect(find(all, 'NetworkPolicy', name).spec.egress).toContainEqual({ ports: [{ port: 8443, protocol: 'TCP' }] });
  }
});

test('two replicas in solo mode: every setting lands in the env in milliseconds, the Role names the chosen Lease', () => {
  const { all } = synth(presetConfig('default', { mehdb: { replicas: 2, failover: TWO_REPLICAS_SOLO_FAILOVER } }));
  const expected = {
    MEHDB_REPLICAS: '2', MEHDB_SOLO: 'true', MEHDB_LEASE_NAME: 'mehdb-primary', MEHDB_LEASE_DURATION_MS: '10000',
    MEHDB_RENEW_DEADLINE_MS: '6500', MEHDB_RETRY_PERIOD_MS: '1500', MEHDB_SYNC_TIMEOUT_MS: '750', MEHDB_SYNC_ACKS: '1',
  };
  for (const [name, value] of Object.entries(expected)) expect([name, envValue(all, name)]).toEqual([name, value]);
  expect(find(all, 'Role', 'mehdb-leader-election').rules[1].resourceNames).toEqual(['mehdb-primary']);
});

describe.each([
  ['the tutorial preset', presetConfig('tutorial')],
  ['failover switched off', presetConfig('default', { mehdb: { failover: { enabled: false } } })],
])('%s: mehdb-0 leads without election', (_name, config) => {
  const { all } = synth(config);

  test('no ServiceAccount, Role or RoleBinding for mehdb, no token, no failover env', () => {
    expect(all.filter(o => ['ServiceAccount', 'Role', 'RoleBinding'].includes(o.kind)).map(o => o.metadata.name))
      .toEqual(['nfs-provisioner', 'leader-locking-nfs-provisioner', 'leader-locking-nfs-provisioner']);
    expect(podSpec(all).automountServiceAccountToken).toBe(false);
    expect(podSpec(all)).not.toHaveProperty('serviceAccountName');
    expect(envOf(all).map(e => e.name).filter(n => FAILOVER_ENV.includes(n))).toEqual([]);
  });

  test('no API server egress for mehdb', () => {
    for (const policy of named(all, 'NetworkPolicy', 'mehdb')) expect(policy.spec.egress).toHaveLength(2);
  });
});

test('the tutorial preset keeps the course\'s 2 replicas', () => {
  expect(datastore(synth(presetConfig('tutorial')).all).spec.replicas).toBe(2);
});

test('every variable the construct sets for failover is refused in extraEnv, naming the setting behind it', () => {
  const reserved = [...FAILOVER_ENV, 'MEHDB_NAMESPACE'];
  expect(reserved.filter(name => !(name in OWNED_ENV))).toEqual([]);
  for (const name of reserved) {
    const build = mehdb({ extraEnv: { [name]: 'x' } });
    expect(build).toThrow(new RegExp(`^mehdb\\.extraEnv\\.${name}: the construct sets this variable itself\\. Fix: remove it and set ${escape(OWNED_ENV[name])} instead`));
  }
  // Reserved even with failover off, where the construct leaves them to the datastore's defaults.
  expect(mehdb({ failover: { enabled: false }, extraEnv: { MEHDB_FAILOVER: 'lease' } })).toThrow(/^mehdb\.extraEnv\.MEHDB_FAILOVER: .*mehdb\.failover\.enabled/);
});

function mehdb(props: Partial<MehdbProps>) {
  const chart = new Chart(new App(), 'c', { namespace: 'db' });
  return () => new Mehdb(chart, 'm', { namespace: 'db', storageClassName: 'nfs-dynamic', image: TEST_IMAGE, ...props });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// [what is wrong, the props, the prop the error names, what the message must say (the fix)]
const BAD_FAILOVER: Array<[string, Partial<MehdbProps>, string, RegExp]> = [
  ['one replica with failover', { replicas: 1 }, 'mehdb.replicas', /Fix: set replicas to 3 \(or 2 with failover\.solo: true\)/],
  ['two replicas without solo', { replicas: 2 }, 'mehdb.replicas', /Fix: set replicas to 3, or failover\.solo: true to let the leader write alone when the follower is lost \(no failover while it does\)/],
  ['no acknowledging follower', { failover: { syncAcks: 0 } }, 'mehdb.failover.syncAcks', /from 1 to 2/],
  ['every replica acknowledging', { failover: { syncAcks: 3 } }, 'mehdb.failover.syncAcks', /Fix: set an integer from 1 to 2, or raise replicas/],
  ['a fractional ack count', { replicas: 5, failover: { syncAcks: 1.5 } }, 'mehdb.failover.syncAcks', /from 1 to 4/],
  ['two acks of two replicas in solo mode', { replicas: 2, failover: { solo: true, syncAcks: 2 } }, 'mehdb.failover.syncAcks', /from 1 to 1/],
  ['a renew deadline as long as the lease', { failover: { leaseDurationSeconds: 3 } }, 'mehdb.failover.renewDeadlineSeconds', /leaseDurationSeconds > renewDeadlineSeconds > 1\.2 x retryPeriodSeconds/],
  ['a renew deadline longer than the lease', { failover: { renewDeadlineSeconds: 6 } }, 'mehdb.failover.renewDeadlineSeconds', /lower renewDeadlineSeconds or raise leaseDurationSeconds/],
  ['a retry period of more than renew deadline / 1.2', { failover: { retryPeriodSeconds: 2.6 } }, 'mehdb.failover.retryPeriodSeconds', /lower retryPeriodSeconds/],
  ['a renew deadline of exactly 1.2 retry periods', { failover: { renewDeadlineSeconds: 1.2, retryPeriodSeconds: 1 } }, 'mehdb.failover.retryPeriodSeconds', /1\.2/],
  ['a lease of 0 s', { failover: { leaseDurationSeconds: 0 } }, 'mehdb.failover.leaseDurationSeconds', /seconds such as 5 or 0\.5/],
  ['a negative retry period', { failover: { retryPeriodSeconds: -1 } }, 'mehdb.failover.retryPeriodSeconds', /seconds/],
  ['a duration as a string', { failover: { leaseDurationSeconds: '5' as any } }, 'mehdb.failover.leaseDurationSeconds', /"5" is not a number/],
  ['a duration below a millisecond', { failover: { syncTimeoutSeconds: 0.0005 } }, 'mehdb.failover.syncTimeoutSeconds', /whole milliseconds/],
  ['a duration of a fraction of a millisecond', { failover: { syncTimeoutSeconds: 1.0005 } }, 'mehdb.failover.syncTimeoutSeconds', /whole milliseconds/],
  ['a sync timeout over an hour', { failover: { syncTimeoutSeconds: 3601 } }, 'mehdb.failover.syncTimeoutSeconds', /3600/],
  ['a Lease name that is not a DNS subdomain', { failover: { leaseName: 'Mehdb_Leader' } }, 'mehdb.failover.leaseName', /DNS-1123 subdomain/],
  ['enabled as a string', { failover: { enabled: 'yes' as any } }, 'mehdb.failover.enabled', /true or false/],
  ['solo as a string', { replicas: 2, failover: { solo: 'true' as any } }, 'mehdb.failover.solo', /true or false/],
  ['a misspelled key', { failover: { leaseDuration: 5 } as any }, 'mehdb.failover.leaseDuration', /did you mean `leaseDurationSeconds`\?/],
  ['a misspelled key with failover off', { failover: { enabled: false, sync_acks: 1 } as any }, 'mehdb.failover.sync_acks', /syncAcks/],
  ['bad timings with failover off', { failover: { enabled: false, renewDeadlineSeconds: 9 } }, 'mehdb.failover.renewDeadlineSeconds', /leaseDurationSeconds/],
  ['failover as true', { failover: true as any }, 'mehdb.failover', /write an object with some of: enabled/],
  ['an API server port out of range', { apiServerPorts: [70000] }, 'mehdb.apiServerPorts[0]', /65535/],
];

describe('bad failover settings stop synth with an error that names the prop and the fix', () => {
  test.each(BAD_FAILOVER)('%s', (_what, props, prop, fix) => {
    let message = '';
    try { mehdb(props)(); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(new RegExp(`^${escape(prop)}: .+\\. Fix: .+`, 'm'));
    expect(message).toMatch(fix);
  });
});

test('the good values next to the bad ones synthesize', () => {
  expect(mehdb({ replicas: 2, failover: { solo: true } })).not.toThrow();
  expect(mehdb({ replicas: 1, failover: { enabled: false } })).not.toThrow();
  expect(mehdb({ replicas: 3, failover: { syncAcks: 2, syncTimeoutSeconds: 0.25 } })).not.toThrow();
  expect(mehdb({ failover: { leaseDurationSeconds: 1.5, renewDeadlineSeconds: 1.21, retryPeriodSeconds: 1 } })).not.toThrow();
  expect(mehdb({ failover: { leaseName: 'orders.leader' } })).not.toThrow();
});

test('a construct made without the chart\'s apiServerPorts opens 443 and 6443, the storage layer\'s default', () => {
  const chart = new Chart(new App(), 'c', { namespace: 'db' });
  const db = new Mehdb(chart, 'm', { namespace: 'db', storageClassName: 'nfs-dynamic', image: TEST_IMAGE });
  expect(db.leaseName).toBe('mehdb-leader');
  expect(db.serviceAccount?.name).toBe('mehdb');
  const policy = (chart.toJson() as KubeObject[]).find(o => o.kind === 'NetworkPolicy')!;
  expect(policy.spec.egress[2]).toEqual({ ports: [{ port: 443, protocol: 'TCP' }, { port: 6443, protocol: 'TCP' }] });
});

describe('failover through MEHDB_CONFIG', () => {
  const load = (overrides: object) => {
    const file = join(mkdtempSync(join(tmpdir(), 'mehdb-failover-')), 'config.json');
    writeFileSync(file, JSON.stringify(overrides));
    return () => loadConfig({ MEHDB_CONFIG: file });
  };
  const problems = (build: () => unknown) => {
    try { build(); } catch (e) { return (e as ConfigError).problems; }
    return [];
  };

  test('an object of settings: two replicas in solo mode load; the tutorial preset can be given failover too', () => {
    expect(load({ mehdb: { replicas: 2, failover: { solo: true } } })().mehdb.failover).toEqual({ solo: true });
    const file = join(mkdtempSync(join(tmpdir(), 'mehdb-failover-')), 'config.json');
    writeFileSync(file, JSON.stringify({ mehdb: { replicas: 3, failover: { enabled: true } } }));
    expect(loadConfig({ MEHDB_PRESET: 'tutorial', MEHDB_CONFIG: file }).mehdb.failover).toEqual({ enabled: true });
  });

  test('not an object, a bad value and a replica count that cannot fail over: each named, all at once', () => {
    expect(problems(load({ mehdb: { failover: true } }))).toEqual([expect.stringMatching(/^mehdb\.failover: true is not an object\. Fix: /)]);
    expect(problems(load({ mehdb: { replicas: 2, failover: { syncAcks: 3, leaseDurationSeconds: 1 } }, namespace: 'DB' }))).toEqual([
      expect.stringMatching(/^namespace: /),
      expect.stringMatching(/^mehdb\.failover\.renewDeadlineSeconds: /),
      expect.stringMatching(/^mehdb\.replicas: 2 replicas with failover stop taking writes/),
      expect.stringMatching(/^mehdb\.failover\.syncAcks: 3 is not an integer from 1 to 1 /),
    ]);
  });
});
