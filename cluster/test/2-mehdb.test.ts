/**
 * The committed dist/ on real nodes (default preset): apply, real pods through their own
 * probes, the hardened container as the kernel sees it, volumes from the real NFS Ganesha
 * provisioner, replication over cluster DNS, logs, a deleted pod and a killed process.
 * The tests run in order and build on each other, as a person trying the manifests would.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, statSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import {
  DNS_ADDR, MANIFESTS, NFS_ADDR, PROVISIONER_KIND, STATE, apps, containerPid, core, figure, kubectl,
  procFile, run, waitFor,
} from './harness';
import { caughtUp, get, keys, put, readyPod, writeKeys } from './mehdb-api';
import { NS } from './statefulset';

let mehdb0: k8s.V1Pod;
let mehdb1: k8s.V1Pod;
const ip = (pod: k8s.V1Pod) => pod.status!.podIP!;

before(async () => {
  const start = Date.now();
  await kubectl('apply', '-f', MANIFESTS);
  mehdb0 = await readyPod(NS, 'mehdb-0', 180_000);
  mehdb1 = await readyPod(NS, 'mehdb-1', 180_000);
  figure('kubectl apply -f dist/ until mehdb-0 and mehdb-1 are Ready', `${((Date.now() - start) / 1000).toFixed(1)} s`);
});

test('mehdb-0 and mehdb-1 are Running and Ready through their own probes, on distinct real nodes', async () => {
  assert.notEqual(mehdb0.spec!.nodeName, mehdb1.spec!.nodeName);
  for (const pod of [mehdb0, mehdb1]) {
    assert.match(pod.spec!.nodeName!, /^worker-\d$/);
    assert.ok(pod.spec!.containers[0].readinessProbe, 'the pod has its own readiness probe');
    assert.equal(pod.status!.containerStatuses![0].ready, true);
  }
  console.log(await kubectl('get', 'pods', '-n', NS, '-o', 'wide'));
});

test('the headless Service gives the pods their DNS names, and mehdb-1 was created only once mehdb-0 was Ready', async () => {
  const svc = await core.readNamespacedService({ namespace: NS, name: 'mehdb' });
  assert.equal(svc.spec!.clusterIP, 'None');
  assert.deepEqual(svc.spec!.ports!.map((p) => p.port), mehdb0.spec!.containers[0].ports!.map((p) => p.containerPort));
  const ready0 = mehdb0.status!.conditions!.find((c) => c.type === 'Ready')!.lastTransitionTime!;
  assert.ok(new Date(mehdb1.metadata!.creationTimestamp!).getTime() >= new Date(ready0).getTime(),
    `mehdb-1 created ${mehdb1.metadata!.creationTimestamp}, mehdb-0 Ready ${ready0}`);
});

test('the pods run the image dist/ pins, by digest (pulled from the cluster\'s registry when the policy is Always)', async () => {
  for (const pod of [mehdb0, mehdb1]) {
    const container = pod.spec!.containers[0];
    const digest = container.image!.split('@')[1];
    assert.match(digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(pod.status!.containerStatuses![0].imageID.endsWith(digest), pod.status!.containerStatuses![0].imageID);
    if (container.imagePullPolicy === 'Always') {
      const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${pod.metadata!.name},reason=Pulled` });
      assert.ok(events.items.some((e) => /Successfully pulled image/.test(e.message ?? '')), 'kubelet pulled the image');
    }
  }
});

test('the provisioner Deployment is Available, its pod placed on the tainted control-plane node (simulated)', async () => {
  const deployment = await waitFor('the nfs-provisioner Deployment Available', 60_000, async () => {
    const d = await apps.readNamespacedDeployment({ namespace: NS, name: 'nfs-provisioner' });
    return d.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ? d : undefined;
  });
  const selector = Object.entries(deployment.spec!.selector.matchLabels!).map(([k, v]) => `${k}=${v}`).join(',');
  const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: selector })).items;
  assert.deepEqual(pods.map((p) => p.spec!.nodeName), ['master']);
});

test('every claim is Bound to a volume the NFS provisioner made and exported', async () => {
  for (const claim of ['data-mehdb-0', 'data-mehdb-1']) {
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: claim });
    assert.equal(pvc.status?.phase, 'Bound');
    const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    assert.equal(pv.spec?.nfs?.server, NFS_ADDR);
    assert.match(pv.spec!.nfs!.path, /^\/export\/pvc-/);
    if (PROVISIONER_KIND === 'real') assert.ok(pv.metadata?.annotations?.EXPORT_block, 'EXPORT_block annotation of NFS Ganesha');
  }
  console.log(await kubectl('get', 'pv'));
});

test('the container runs as UID 65532 with a read-only root file system (seen in /proc of its process)', async () => {
  for (const pod of [mehdb0, mehdb1]) {
    const pid = await containerPid(pod);
    assert.match(procFile(pid, 'status'), /^Uid:\s+65532\s+65532\s+65532\s+65532$/m);
    assert.match(procFile(pid, 'status'), /^CapEff:\s+0+$/m, 'no capabilities');
    const root = mounts(pid).find((m) => m.point === '/');
    assert.ok(root?.options.split(',').includes('ro'), `root mount is read-only: ${root?.options}`);
  }
});

test('it can write only to its volume and /tmp', async () => {
  const pid = await containerPid(mehdb0);
  const writable = mounts(pid)
    .filter((m) => m.options.split(',').includes('rw'))
    .filter((m) => !/^\/(proc|sys|dev)(\/|$)/.test(m.point) && !m.point.startsWith('/etc/'))
    .map((m) => m.point).sort();
  assert.deepEqual(writable, ['/mehdbdata', '/tmp']);
  const data = mounts(pid).find((m) => m.point === '/mehdbdata')!;
  const pv = await volumeOf('data-mehdb-0');
  assert.ok(data.root.endsWith(`/export/${pv.spec!.nfs!.path.split('/').pop()}`), `data is the exported folder: ${data.root}`);
});

test('a write to the leader is read back from the follower, which pulled it from the leader\'s DNS name', async () => {
  assert.equal((await put(ip(mehdb0), 'greeting', 'hello from the leader')).status, 200);
  await waitFor('the follower to have the key', 30_000, async () => (await get(ip(mehdb1), 'greeting')).status === 200);
  assert.equal((await get(ip(mehdb1), 'greeting')).body, 'hello from the leader');
});

test('a write sent to the follower gets 307 to the leader\'s DNS name, which CoreDNS resolves to mehdb-0', async () => {
  const reply = await put(ip(mehdb1), 'to-follower', 'x');
  assert.equal(reply.status, 307);
  const location = new URL(reply.location!);
  assert.equal(location.hostname, `mehdb-0.mehdb.${NS}.svc.cluster.local`);
  const resolver = new Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([DNS_ADDR]);
  assert.deepEqual(await resolver.resolve4(location.hostname), [ip(mehdb0)]);
});

test('a file the datastore wrote through its volume is listed over NFSv4 by a userspace client', { skip: PROVISIONER_KIND !== 'real' && 'stand-in provisioner: no NFS server' }, async () => {
  const pv = await volumeOf('data-mehdb-0');
  const folder = `${STATE}/export/${pv.spec!.nfs!.path.split('/').pop()}`;
  const files = readdirSync(folder).filter((f) => statSync(`${folder}/${f}`).isFile());
  assert.ok(files.length > 0, 'the datastore wrote files to its volume');
  assert.equal(statSync(`${folder}/${files[0]}`).uid, 65532, 'written by the container user');
  const listing = await run('nfs-ls', [`nfs://${NFS_ADDR}${pv.spec!.nfs!.path}?version=4`]);
  for (const f of files) assert.ok(listing.includes(f), `nfs-ls lists ${f}:\n${listing}`);
});

test('kubectl logs mehdb-0 shows the datastore\'s structured log', async () => {
  const lines = (await kubectl('logs', '-n', NS, 'mehdb-0')).split('\n').filter(Boolean);
  assert.ok(lines.length > 0);
  for (const line of lines) {
    const entry = JSON.parse(line) as { time: string; level: string; msg: string };
    assert.ok(entry.time && entry.level && entry.msg, line);
  }
});

test('a deleted mehdb-0 comes back on the same claim with every acknowledged key, and writes resume', async () => {
  const written = await writeKeys(ip(mehdb0), 'before-delete', 200);
  const claimBefore = (await volumeOf('data-mehdb-0')).metadata!.name;
  const start = Date.now();
  await kubectl('delete', 'pod', '-n', NS, 'mehdb-0', '--wait=false');
  const back = await readyPod(NS, 'mehdb-0', 180_000, mehdb0.metadata!.uid);
  await waitFor('a write accepted by the new mehdb-0', 60_000, async () => (await put(ip(back), 'after-delete', 'x')).status === 200, 100);
  figure('kubectl delete pod mehdb-0 until a write is accepted again', `${((Date.now() - start) / 1000).toFixed(1)} s`);
  assert.equal((await volumeOf('data-mehdb-0')).metadata!.name, claimBefore, 'same volume');
  const have = new Set(await keys(ip(back)));
  assert.deepEqual(written.filter((k) => !have.has(k)), [], 'no acknowledged key lost');
  mehdb0 = back;
});

test('a killed container process is restarted by kubelet on its node, with its data intact', async () => {
  mehdb1 = await readyPod(NS, 'mehdb-1', 60_000);
  const restarts = mehdb1.status!.containerStatuses![0].restartCount;
  const want = await keys(ip(mehdb0));
  process.kill(await containerPid(mehdb1), 'SIGKILL');
  const back = await waitFor('mehdb-1 restarted and Ready', 120_000, async () => {
    const pod = await readyPod(NS, 'mehdb-1', 5_000);
    return pod.status!.containerStatuses![0].restartCount > restarts ? pod : undefined;
  });
  assert.equal(back.metadata!.uid, mehdb1.metadata!.uid, 'the same pod, restarted in place');
  await caughtUp(ip(back), want, 30_000);
  mehdb1 = back;
});

async function volumeOf(claim: string): Promise<k8s.V1PersistentVolume> {
  const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: claim });
  return core.readPersistentVolume({ name: pvc.spec!.volumeName! });
}

interface Mount { root: string; point: string; options: string }

/** The mounts of a process, from /proc/<pid>/mountinfo. */
function mounts(pid: number): Mount[] {
  return procFile(pid, 'mountinfo').split('\n').filter(Boolean).map((line) => {
    const f = line.split(' ');
    return { root: f[3], point: f[4], options: f[5] };
  });
}
