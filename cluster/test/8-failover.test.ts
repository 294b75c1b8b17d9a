/**
 * Leader failover on real nodes, judged by porcupine (issue 14): the committed dist/ (three
 * replicas, MEHDB_FAILOVER=lease) under concurrent clients doing PUT, DELETE and
 * GET ?consistent (faultTrial of datastore/test/support/linearizability.ts), while the leader's
 * pod is partitioned (cut off from its peers, the API server and DNS; this host still reaches
 * it) and, in a second trial, while the leader's node loses power. After each trial every key
 * is read again: no acknowledged write may be lost, and the history must be linearizable.
 * Self-contained: applies dist/ when it is not applied; leaves it applied, healthy.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { ActiveFault, TrialResult, ensureChecker, faultTrial, medianAndWorst } from '../../datastore/test/support/linearizability';
import { MANIFESTS, STATE, apps, core, fault, figure, isReady, kubectl, waitFor } from './harness';
import { PORT, ProbeWrite, firstAckAfter, metric, startWriteProbe, status } from './mehdb-api';
import { LeaderLease, NS, VOTERS, leaseText, mehdbPods, readLease, watchLease } from './statefulset';

const FAULTS = Number(process.env.MEHDB_FAILOVER_FAULTS ?? 5);
const PARTITION_MS = 10_000;
const POWER_CUT_MS = 15_000;
/** Bound on the wait for a healthy cluster between faults (a power-cut node and its pod coming back). */
const HEALTHY_TIMEOUT_MS = 240_000;
const POD_HOST = /^(mehdb-\d+)\.mehdb\.mehdb\.svc\.cluster\.local$/;

/**
 * The pods' current IPs, refreshed from the API every 500 ms: the workload asks for its
 * endpoints synchronously before every operation, and a pod whose node lost power comes back
 * with a new sandbox, maybe a new IP.
 */
class PodAddresses {
  private byName = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  ips(): string[] {
    return [...this.byName.values()];
  }

  endpoints(): string[] {
    return this.ips().map((ip) => `http://${ip}:${PORT}`);
  }

  /** A pod's DNS name (a 307's Location) to its current IP; other hosts as they are. */
  ipOfHost(host: string): string {
    const name = POD_HOST.exec(host)?.[1];
    return (name && this.byName.get(name)) || host;
  }

  resolve(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = this.ipOfHost(parsed.hostname);
    return parsed.toString();
  }

  private async refresh(): Promise<void> {
    const pods = await mehdbPods();
    this.byName = new Map(pods.filter((p) => p.status?.podIP).map((p) => [p.metadata!.name!, p.status!.podIP!]));
  }
}

const addresses = new PodAddresses();
/** Faults on right now, undone by the after hook if a trial stops half-way. */
const active = new Map<string, () => Promise<unknown>>();

before(async () => {
  await ensureChecker();
  const applied = await apps.readNamespacedStatefulSet({ namespace: NS, name: 'mehdb' }).then(() => true, () => false);
  if (!applied) await kubectl('apply', '-f', MANIFESTS);
  await waitFor(`the claims of mehdb-0..${VOTERS - 1} Bound by the NFS provisioner (it runs out of cluster with a token of ` +
    `ServiceAccount ${NS}/nfs-provisioner, which must be the one of this namespace)`, 180_000, async () => {
    const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items;
    return Array.from({ length: VOTERS }, (_, i) => claims.find((c) => c.metadata!.name === `data-mehdb-${i}`))
      .every((c) => c?.status?.phase === 'Bound');
  });
  assert.equal(await faultsOn(), '', 'no fault is on before the trials');
  await waitHealthy(applied ? 60_000 : 240_000);
  await addresses.start();
});

after(async () => {
  addresses.stop();
  for (const [what, undo] of active) await undo().catch((err: unknown) => console.log(`undoing ${what}: ${String(err)}`));
});

/**
 * The faults that are on (`fault.sh list`). Before the first fault of a run the chain it lists
 * does not exist yet, and `list` fails without a word: none is on.
 */
async function faultsOn(): Promise<string> {
  return (await fault('list').catch((err: { stdout?: string; stderr?: string }) => {
    if (err.stdout === '' && err.stderr === '') return '';
    throw err;
  })).trim();
}

/**
 * Waits (bounded) until every node is Ready, the three pods are Ready on three nodes and answer
 * on their IPs, the Lease holder answers `leader`, and the others `follower` at its epoch.
 */
async function waitHealthy(timeoutMs = HEALTHY_TIMEOUT_MS): Promise<k8s.V1Pod> {
  return waitFor('every node Ready, three mehdb pods Ready and answering, one leader, followers at its epoch', timeoutMs, async () => {
    const nodes = (await core.listNode()).items;
    if (!nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))) return undefined;
    const pods = (await mehdbPods()).filter(isReady);
    if (pods.length !== VOTERS || new Set(pods.map((p) => p.spec!.nodeName)).size !== VOTERS) return undefined;
    const lease = await readLease();
    const leader = pods.find((p) => p.metadata!.name === lease?.holder);
    if (!lease || !leader) return undefined;
    for (const pod of pods) {
      const ip = pod.status!.podIP!;
      if ((await status(ip)) !== (pod === leader ? 'leader' : 'follower')) return undefined;
      if ((await metric(ip, 'mehdb_epoch')) !== lease.epoch) return undefined;
    }
    return leader;
  }, 500);
}

/** One fault of a trial: what it hits, given the healthy leader's pod; resolves with its undo. */
type Injector = (leader: k8s.V1Pod) => Promise<{ what: string; undo: () => Promise<unknown> }>;

const partitionLeader: Injector = async (leader) => {
  const ip = leader.status!.podIP!;
  await fault('partition', ip);
  return { what: `partition of ${leader.metadata!.name} (${ip})`, undo: () => fault('heal', ip) };
};

const powerCutLeadersNode: Injector = async (leader) => {
  const node = leader.spec!.nodeName!;
  await fault('power-cut', node);
  return { what: `power cut of ${node} (${leader.metadata!.name})`, undo: () => fault('power-on', node) };
};

/** What a trial measured besides faultTrial's result. */
interface TrialRecord {
  result: TrialResult;
  /** Date.now() once each fault was in effect (fault.sh returned). */
  inEffect: number[];
  probe: ProbeWrite[];
  before: LeaderLease;
  after: LeaderLease;
  holders: string[];
}

/** Runs FAULTS faults of one kind under the workload; waits for a healthy cluster before each and after each undo. */
async function trial(name: string, inject: Injector, faultMs: number): Promise<TrialRecord> {
  const inEffect: number[] = [];
  const before = (await readLease())!;
  const holders = watchLease();
  const probe = startWriteProbe(() => addresses.ips(), `probe-${name}`, (host) => addresses.ipOfHost(host));
  let result: TrialResult;
  let probeWrites: ProbeWrite[] = [];
  try {
    result = await faultTrial({
      endpoints: () => addresses.endpoints(),
      resolve: (url) => addresses.resolve(url),
      clients: 6,
      keys: 24,
      warmupMs: 3_000,
      faults: FAULTS,
      faultMs,
      settleMs: 3_000,
      htmlFile: `${STATE}/porcupine-${name}.html`,
      inject: async (i): Promise<ActiveFault> => {
        const leader = await waitHealthy();
        const { what, undo } = await inject(leader);
        inEffect.push(Date.now());
        active.set(what, undo);
        console.log(`fault ${i + 1}/${FAULTS}: ${what}`);
        return {
          heal: async () => {
            await undo();
            active.delete(what);
            await waitHealthy();
          },
        };
      },
    });
  } catch (err) {
    await saveEvidence(name);
    throw err;
  } finally {
    holders.stop();
    probeWrites = await probe.stop();
  }
  return { result, inEffect, probe: probeWrites, before, after: (await readLease())!, holders: holders.holders() };
}

const seconds = (ms: number) => (ms < 0 ? 'never' : `${(ms / 1000).toFixed(1)} s`);

/** The trial's FIGURE lines. */
function report(name: string, t: TrialRecord): void {
  const r = t.result;
  const recovered = t.inEffect.map((at) => firstAckAfter(t.probe, at));
  const probe = medianAndWorst(recovered);
  figure(`failover ${name}: fault in effect -> first acknowledged write (probe writes sent after fault.sh returned, every 100 ms)`,
    `median ${seconds(probe.median)}, worst ${seconds(probe.worst)} over ${recovered.length} faults (${recovered.map(seconds).join(', ')})`);
  const toolkit = medianAndWorst(r.recoveryMs);
  figure(`failover ${name}: faultTrial recoveryMs (from before inject, so including fault.sh's own run time)`,
    `median ${seconds(toolkit.median)}, worst ${seconds(toolkit.worst)} (${r.recoveryMs.map(seconds).join(', ')})`);
  figure(`failover ${name}: acknowledged writes lost`,
    `${r.lostAcknowledged} of ${r.acknowledgedWrites} acknowledged (${r.operations} operations, ${r.unknown} unknown outcomes; errors ${JSON.stringify(r.errors)})`);
  figure(`failover ${name}: porcupine`, r.check.line + (r.check.htmlFile ? ` (see ${r.check.htmlFile})` : ''));
  figure(`failover ${name}: leader changes`,
    `leaseTransitions ${t.before.transitions} -> ${t.after.transitions}, epoch ${t.before.epoch} -> ${t.after.epoch}, holders ${t.holders.join(' -> ')}`);
}

/** The pods' logs (and their previous containers'), the Lease and the pods, under $STATE. */
async function saveEvidence(name: string): Promise<void> {
  const dir = `${STATE}/failover-${name}`;
  mkdirSync(dir, { recursive: true });
  const save = async (file: string, ...args: string[]) =>
    writeFileSync(`${dir}/${file}`, await kubectl(...args).catch((err: unknown) => `kubectl ${args.join(' ')}: ${String(err)}`));
  await save('lease.yaml', 'get', 'lease', '-n', NS, 'mehdb-leader', '-o', 'yaml');
  await save('pods.txt', 'get', 'pods', '-n', NS, '-o', 'wide');
  await save('events.txt', 'get', 'events', '-n', NS, '--sort-by=.lastTimestamp');
  for (let i = 0; i < VOTERS; i++) {
    await save(`mehdb-${i}.log`, 'logs', '-n', NS, `mehdb-${i}`);
    await save(`mehdb-${i}.previous.log`, 'logs', '-n', NS, `mehdb-${i}`, '--previous');
  }
  console.log(`evidence of trial ${name} saved in ${dir}`);
}

/** Asserts the trial's verdicts; saves the evidence first when they fail. */
async function judge(name: string, t: TrialRecord): Promise<void> {
  const r = t.result;
  if (r.lostAcknowledged !== 0 || r.check.verdict !== 'Ok') await saveEvidence(name);
  assert.equal(r.lostAcknowledged, 0, 'no acknowledged write lost');
  assert.equal(r.check.verdict, 'Ok', `${r.check.line}${r.check.htmlFile ? ` (see ${r.check.htmlFile})` : ''}`);
  assert.ok(t.inEffect.every((at) => firstAckAfter(t.probe, at) >= 0), 'writes were acknowledged again after every fault');
  assert.ok(!t.holders.some((h) => !/^mehdb-[0-2]$/.test(h)), `only voters held the Lease: ${t.holders.join(', ')}`);
}

test(`partition of the leader's pod, ${FAULTS} times for ${PARTITION_MS / 1000} s: no acknowledged write lost, linearizable (porcupine)`, async () => {
  const t = await trial('partition', partitionLeader, PARTITION_MS);
  report('partition', t);
  console.log(`Lease after the trial: ${leaseText(t.after)}`);
  await judge('partition', t);
});

test(`power cut of the leader's node, ${FAULTS} times for ${POWER_CUT_MS / 1000} s: no acknowledged write lost, linearizable (porcupine)`, async () => {
  const t = await trial('power-cut', powerCutLeadersNode, POWER_CUT_MS);
  report('power-cut', t);
  console.log(`Lease after the trial: ${leaseText(t.after)}`);
  await judge('power-cut', t);
});
