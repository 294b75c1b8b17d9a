/**
 * The committed dist/ on real nodes (default preset: three replicas electing their leader
 * through the Lease mehdb-leader): apply, real pods through their own probes, the hardened
 * container as the kernel sees it, volumes from the real NFS Ganesha provisioner, synchronous
 * replication and redirects over cluster DNS, logs, and the leader's pod deleted and its
 * process killed (each a failover). The tests run in order and build on each other, as a person
 * trying the manifests would.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, statSync } from 'node:fs';
import { before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  MANIFESTS, STATE, containerPid, core, figure, kubectl, mounts, procFile, run, secondsSince, sleep, waitFor,
} from './harness';
import {
  callFollowing, caughtUp, firstAckAfter, get, getConsistent, keys, leaderPod, longestAckGap, metric, put, readyPod,
  resolveInCluster, startWriteProbe, status, writeKeys,
} from './mehdb-api';
import { NS, VOTERS, leaseText, podDnsName, readLease } from './statefulset';
import { claimsBound, nfsServiceAddress, nfsUrl, provisionerPod, volumeOf } from './provisioner';

const NAMES = Array.from({ length: VOTERS }, (_, i) => `mehdb-${i}`);
let pods: k8s.V1Pod[] = [];
let leader: k8s.V1Pod;
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;
const nameOf = (pod: k8s.V1Pod) => pod.metadata!.name!;
const followers = () => pods.filter((p) => nameOf(p) !== nameOf(leader));
const podIps = () => pods.map(ip);

before(async () => {
  const start = Date.now();
  await kubectl('apply', '-f', MANIFESTS);
  const readyAll = async () => {
    pods = [];
    for (const name of NAMES) pods.push(await readyPod(NS, name, 240_000));
    return secondsSince(start);
  };
  const [provisioner, claims, mehdb] = await Promise.all([
    provisionerPod(180_000).then(() => secondsSince(start)),
    claimsBound(NAMES.map((n) => `data-${n}`), 240_000).then(() => secondsSince(start)),
    readyAll(),
  ]);
  figure('kubectl apply -f dist/ until the provisioner pod is Ready (its own probes, on master)', provisioner);
  figure(`kubectl apply -f dist/ until every claim (${VOTERS}) is Bound`, claims);
  figure(`kubectl apply -f dist/ until the ${VOTERS} mehdb pods are Ready`, mehdb);
  leader = await leaderPod(60_000);
  figure('kubectl apply -f dist/ until a leader is elected (Lease holder answering /status leader)',
    `${secondsSince(start)} (${nameOf(leader)})`);
});

/** Refreshes `pods` and `leader` from the API (after a pod was replaced or restarted). */
async function refresh(timeoutMs = 120_000): Promise<void> {
  pods = [];
  for (const name of NAMES) pods.push(await readyPod(NS, name, timeoutMs));
  leader = await leaderPod(timeoutMs);
}

test('the three pods are Running and Ready through their own probes, on three distinct real nodes', async () => {
  assert.equal(new Set(pods.map((p) => p.spec!.nodeName)).size, VOTERS);
  for (const pod of pods) {
    assert.match(pod.spec!.nodeName!, /^worker-\d$/);
    assert.ok(pod.spec!.containers[0].readinessProbe, 'the pod has its own readiness probe');
    assert.equal(pod.status!.containerStatuses![0].ready, true);
  }
  console.log(await kubectl('get', 'pods', '-n', NS, '-o', 'wide'));
});

test('the headless Service gives the pods their DNS names, and each pod was created only once the one before was Ready', async () => {
  const svc = await core.readNamespacedService({ namespace: NS, name: 'mehdb' });
  assert.equal(svc.spec!.clusterIP, 'None');
  assert.deepEqual(svc.spec!.ports!.map((p) => p.port), pods[0].spec!.containers[0].ports!.map((p) => p.containerPort));
  for (let i = 1; i < pods.length; i++) {
    const readyBefore = pods[i - 1].status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!;
    assert.ok(new Date(pods[i].metadata!.creationTimestamp!).getTime() >= new Date(readyBefore).getTime(),
      `${NAMES[i]} created ${pods[i].metadata!.creationTimestamp}, ${NAMES[i - 1]} Ready ${readyBefore}`);
  }
  for (const pod of pods) assert.deepEqual([await resolveInCluster(podDnsName(nameOf(pod)))], [ip(pod)]);
});

test('the pods run the image dist/ pins, by digest (pulled from the cluster\'s registry when the policy is Always)', async () => {
  for (const pod of pods) {
    const container = pod.spec!.containers[0];
    const digest = container.image!.split('@')[1];
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(pod.status!.containerStatuses![0].imageID.endsWith(digest), pod.status!.containerStatuses![0].imageID);
    if (container.imagePullPolicy === 'Always') {
      const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${nameOf(pod)},reason=Pulled` });
      assert.ok(events.items.some((e) => /Successfully pulled image/.test(e.message ?? '')), 'kubelet pulled the image');
    }
  }
});

test('every claim is Bound to a volume the NFS provisioner\'s pod made and exports through its Service', async () => {
  for (const name of NAMES) {
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: `data-${name}` });
    assert.equal(pvc.status?.phase, 'Bound');
    const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    assert.equal(pv.spec?.nfs?.server, await nfsServiceAddress(), 'the server is the provisioner Service\'s ClusterIP');
    assert.match(pv.spec!.nfs!.path, /^\/export\/pvc-/);
    assert.ok(pv.metadata?.annotations?.EXPORT_block, 'EXPORT_block annotation of NFS Ganesha');
  }
  console.log(await kubectl('get', 'pv'));
});

test('the container runs as UID 65532 with a read-only root file system (seen in /proc of its process)', async () => {
  for (const pod of pods) {
    const pid = await containerPid(pod);
    assert.match(procFile(pid, 'status'), /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    assert.match(procFile(pid, 'status'), /^CapEff:\s+0+$/m, 'no capabilities');
    const root = mounts(pid).find((m) => m.point === '/');
    assert.ok(root?.options.split(',').includes('ro'), `root mount is read-only: ${root?.options}`);
  }
});

test('it can write only to its volume and /tmp', async () => {
  const pid = await containerPid(pods[0]);
  const writable = mounts(pid)
    .filter((m) => m.options.split(',').includes('rw'))
    .filter((m) => !/^\/(proc|sys|dev)(\/|$)/.test(m.point) && !m.point.startsWith('/etc/'))
    .map((m) => m.point).sort();
  assert.deepEqual(writable, ['/mehdbdata', '/tmp']);
  const data = mounts(pid).find((m) => m.point === '/mehdbdata')!;
  const pv = await volumeOf('data-mehdb-0');
  assert.ok(data.root.endsWith(`/export/${pv.spec!.nfs!.path.split('/').pop()}`), `data is the exported folder: ${data.root}`);
});

test('one leader, elected through the Lease: its holder answers /status leader, the others follower, all at its epoch', async () => {
  const lease = (await readLease())!;
  console.log(`Lease mehdb-leader: ${leaseText(lease)}`);
  assert.equal(lease.holder, nameOf(leader));
  assert.ok(Number.isInteger(lease.epoch) && lease.epoch >= 1, `epoch annotation: ${lease.epoch}`);
  assert.equal(lease.solo, false);
  for (const pod of pods) {
    assert.equal(await status(ip(pod)), nameOf(pod) === nameOf(leader) ? 'leader' : 'follower', nameOf(pod));
    assert.equal(await metric(ip(pod), `mehdb_leader{holder="${lease.holder}"}`), 1, `${nameOf(pod)} knows the leader`);
    await waitFor(`${nameOf(pod)} at epoch ${lease.epoch}`, 10_000, async () => (await metric(ip(pod), 'mehdb_epoch')) === lease.epoch);
  }
});

test('the ServiceAccount mehdb may create Leases and get/update only mehdb-leader (kubectl auth can-i)', async () => {
  const can = async (...args: string[]) => (await kubectl('auth', 'can-i', '-n', NS, `--as=system:serviceaccount:${NS}:mehdb`, ...args)
    .catch((err: { stdout?: string }) => err.stdout ?? 'error')).trim();
  assert.equal(await can('create', 'leases.coordination.k8s.io'), 'yes');
  assert.equal(await can('get', 'leases.coordination.k8s.io/mehdb-leader'), 'yes');
  assert.equal(await can('update', 'leases.coordination.k8s.io/mehdb-leader'), 'yes');
  assert.equal(await can('update', 'leases.coordination.k8s.io/another-lease'), 'no');
  assert.equal(await can('list', 'leases.coordination.k8s.io'), 'no');
  assert.equal(await can('delete', 'leases.coordination.k8s.io/mehdb-leader'), 'no');
  assert.equal(await can('get', 'pods'), 'no');
});

test('a write acknowledged by the leader is already on a follower (durable there first), then on both', async () => {
  assert.equal((await put(ip(leader), 'greeting', 'hello from the leader')).status, 200);
  const atOnce = await Promise.all(followers().map(async (p) => (await get(ip(p), 'greeting')).body));
  assert.ok(atOnce.includes('hello from the leader'), `a follower holds the write when it is acknowledged: ${JSON.stringify(atOnce)}`);
  for (const p of followers()) {
    await waitFor(`${nameOf(p)} to have the key`, 30_000, async () => (await get(ip(p), 'greeting')).body === 'hello from the leader');
  }
});

test('a follower answers writes and consistent reads with 307 to the leader\'s DNS name, which CoreDNS resolves to the Lease holder', async () => {
  for (const p of followers()) {
    const reply = await put(ip(p), 'to-follower', 'x');
    assert.equal(reply.status, 307, `${nameOf(p)}: ${reply.status} ${reply.body}`);
    const location = new URL(reply.location!);
    assert.equal(location.hostname, podDnsName(nameOf(leader)));
    assert.equal(location.pathname, '/set/to-follower');
    assert.deepEqual([await resolveInCluster(location.hostname)], [ip(leader)]);
    const read = await getConsistent(ip(p), 'greeting');
    assert.equal(read.status, 307);
    assert.equal(new URL(read.location!).hostname, podDnsName(nameOf(leader)));
    const followed = await callFollowing(ip(p), 'PUT', `/set/via-${nameOf(p)}`, 'followed');
    assert.deepEqual([followed.reply.status, followed.via], [200, [ip(p), ip(leader)]]);
  }
  assert.deepEqual(await getConsistent(ip(leader), 'greeting'), { status: 200, body: 'hello from the leader', location: null });
});

test('a file the datastore wrote through its volume is listed over NFSv4 through the provisioner\'s Service', async () => {
  const pv = await volumeOf(`data-${nameOf(leader)}`);
  const folder = `${STATE}/export/${pv.spec!.nfs!.path.split('/').pop()}`;
  const files = readdirSync(folder).filter((f) => statSync(`${folder}/${f}`).isFile());
  assert.ok(files.length > 0, 'the datastore wrote files to its volume');
  assert.equal(statSync(`${folder}/${files[0]}`).uid, 65532, 'written by the container user');
  const listing = await run('nfs-ls', [await nfsUrl(pv)]);
  for (const f of files) assert.ok(listing.includes(f), `nfs-ls lists ${f}:\n${listing}`);
});

test('kubectl logs of the leader shows the datastore\'s structured log, with its election', async () => {
  const lines = (await kubectl('logs', '-n', NS, nameOf(leader))).split('\n').filter(Boolean);
  const entries = lines.map((line) => JSON.parse(line) as { time: string; level: string; msg: string });
  for (const [i, entry] of entries.entries()) assert.ok(entry.time && entry.level && entry.msg, lines[i]);
  assert.ok(entries.some((e) => e.msg === 'leading'), 'the leader logged that it leads');
});

test('kubectl delete pod of the leader: a follower takes the Lease at once, writes resume, and the pod returns on its claim as a follower', async () => {
  const old = leader;
  const written = await writeKeys(ip(old), 'before-delete', 200);
  const claimBefore = (await volumeOf(`data-${nameOf(old)}`)).metadata!.name;
  const before = (await readLease())!;
  const survivors = followers().map(ip);
  const probe = startWriteProbe(() => survivors, 'probe-delete');
  await sleep(1000);
  const start = Date.now();
  await kubectl('delete', 'pod', '-n', NS, nameOf(old), '--wait=false');
  leader = await leaderPod(60_000, nameOf(old));
  await waitFor('a write acknowledged through a surviving pod', 60_000, async () =>
    (await callFollowing(survivors[0], 'PUT', '/set/after-delete', 'x')).reply.status === 200, 100);
  await sleep(1000);
  const writes = await probe.stop();
  const after = (await readLease())!;
  figure('kubectl delete pod <leader>: writes unavailable (longest gap between acknowledged writes, one sent every 100 ms)',
    `${(longestAckGap(writes) / 1000).toFixed(1)} s (${nameOf(old)} -> ${after.holder}; epoch ${before.epoch} -> ${after.epoch}, leaseTransitions ${before.transitions} -> ${after.transitions})`);
  assert.ok(after.epoch > before.epoch && after.transitions > before.transitions, `${leaseText(before)} -> ${leaseText(after)}`);
  const back = await readyPod(NS, nameOf(old), 180_000, old.metadata!.uid);
  figure('kubectl delete pod <leader> until that pod is Ready again', secondsSince(start));
  assert.equal((await volumeOf(`data-${nameOf(old)}`)).metadata!.name, claimBefore, 'same volume');
  await waitFor(`${nameOf(old)} a follower`, 30_000, async () => (await status(ip(back))) === 'follower');
  await caughtUp(ip(back), [...written, 'after-delete'], 60_000);
  await refresh();
});

test('a SIGKILLed leader process: writes resume under a new epoch, and kubelet restarts it in the same pod with its data', async () => {
  const old = leader;
  const restarts = old.status!.containerStatuses![0].restartCount;
  const want = await keys(ip(old));
  const before = (await readLease())!;
  const pid = await containerPid(old);
  const probe = startWriteProbe(podIps, 'probe-kill');
  await sleep(1000);
  const start = Date.now();
  process.kill(pid, 'SIGKILL');
  await waitFor('a write acknowledged again', 120_000, async () =>
    (await Promise.all(podIps().map((p) => callFollowing(p, 'PUT', '/set/after-kill', 'x', undefined, 2, 2_000).catch(() => undefined))))
      .some((f) => f?.reply.status === 200), 100);
  await sleep(1000);
  const writes = await probe.stop();
  const after = (await readLease())!;
  // Whoever is first: a follower once the unrenewed lease runs out (5 s), or the restarted
  // process itself, which finds its own name in the Lease and takes it again in a new epoch.
  figure('SIGKILL of the leader\'s process until a write is acknowledged again (no release)',
    `${(firstAckAfter(writes, start) / 1000).toFixed(1)} s, longest gap ${(longestAckGap(writes) / 1000).toFixed(1)} s ` +
    `(${nameOf(old)} -> ${after.holder}; epoch ${before.epoch} -> ${after.epoch}, leaseTransitions ${before.transitions} -> ${after.transitions})`);
  assert.ok(after.epoch > before.epoch, `a new leadership has a new epoch: ${leaseText(before)} -> ${leaseText(after)}`);
  const back = await waitFor(`${nameOf(old)} restarted and Ready`, 120_000, async () => {
    const pod = await readyPod(NS, nameOf(old), 5_000);
    return pod.status!.containerStatuses![0].restartCount > restarts ? pod : undefined;
  });
  assert.equal(back.metadata!.uid, old.metadata!.uid, 'the same pod, restarted in place');
  await caughtUp(ip(back), [...want, 'after-kill'], 30_000);
  await refresh();
  assert.equal((await put(ip(leader), 'after-kill-leader', 'x')).status, 200);
});
