/**
 * The NFS provisioner Deployment of dist/ as a real pod on the control-plane node (dist/ applied
 * by 2-mehdb, or here when run alone): Ready through its own probes, its image pulled by kubelet (the
 * cluster's registry serves the reference dist/ names), its hostPath export, its ServiceAccount
 * and RBAC, and the security context dist/ sets as the kernel applies it to the provisioner and
 * the NFS daemons it starts: capabilities, no_new_privs, seccomp and user, read in /proc.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { STATE, applyManifests, containerPid, core, kubectl, mounts, procFile } from './harness';
import { PROVISIONER, provisionerPod, volumeOf } from './provisioner';
import { NS } from './statefulset';
import { capabilityNames, expectedCapabilities } from './capabilities';

let pod: k8s.V1Pod;
let pid: number;

before(async () => {
  await applyManifests(NS, 'data-mehdb-0');
  pod = await provisionerPod(120_000);
  pid = await containerPid(pod);
});

/** The processes of the container (those in its PID namespace), by command name. */
function containerProcesses(): Map<string, number> {
  const pidNs = (p: string | number) => readlinkSync(`/proc/${p}/ns/pid`);
  const ns = pidNs(pid);
  const found = new Map<string, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (pidNs(entry) === ns) found.set(readFileSync(`/proc/${entry}/comm`, 'utf8').trim(), Number(entry));
    } catch { /* the process ended meanwhile */ }
  }
  return found;
}

test('the provisioner pod runs on the real control-plane node, Ready through its own probes, never restarted', async () => {
  assert.equal(pod.spec!.nodeName, 'master');
  const container = pod.spec!.containers[0];
  assert.ok(container.readinessProbe?.tcpSocket && container.livenessProbe?.tcpSocket, 'TCP probes of its own');
  assert.equal(pod.status!.containerStatuses![0].restartCount, 0);
  const node = await core.readNode({ name: 'master' });
  assert.ok(!node.metadata?.annotations?.['kwok.x-k8s.io/node'], 'a kubelet node, not a simulated one');
  console.log(await kubectl('get', 'pods', '-A', '-o', 'wide'));
});

test('kubelet pulled the image the Deployment names, from the cluster\'s registry', async () => {
  const image = pod.spec!.containers[0].image!;
  const events = await core.listNamespacedEvent({ namespace: NS, fieldSelector: `involvedObject.name=${pod.metadata!.name},reason=Pulled` });
  assert.ok(events.items.some((e) => (e.message ?? '').includes(`Successfully pulled image "${image}"`)),
    events.items.map((e) => e.message).join('\n'));
  assert.match(pod.status!.containerStatuses![0].imageID, /@sha256:[0-9a-f]{64}$/);
});

test('it runs NFS Ganesha and the daemons Ganesha needs, in the pod', async () => {
  const names = [...containerProcesses().keys()];
  for (const daemon of ['nfs-provisioner', 'ganesha.nfsd', 'rpcbind', 'rpc.statd', 'dbus-daemon']) {
    assert.ok(names.includes(daemon), `${daemon} runs in the container: ${names.join(', ')}`);
  }
});

test('its export is the Deployment\'s hostPath, where the volumes\' folders are', async () => {
  const exportMount = mounts(pid).find((m) => m.point === '/export');
  assert.ok(exportMount, 'the container mounts /export');
  const pv = await volumeOf('data-mehdb-0');
  assert.ok(existsSync(`${STATE}/export/${pv.spec!.nfs!.path.split('/').pop()}`), 'the volume\'s folder is in the export');
});

test('its ServiceAccount may provision volumes and nothing beyond its role (kubectl auth can-i)', async () => {
  const can = async (...args: string[]) => (await kubectl('auth', 'can-i', `--as=system:serviceaccount:${NS}:${PROVISIONER}`, ...args)
    .catch((err: { stdout?: string }) => err.stdout ?? 'error')).trim();
  assert.equal(await can('create', 'persistentvolumes'), 'yes');
  assert.equal(await can('delete', 'persistentvolumes'), 'yes');
  assert.equal(await can('get', 'secrets', '-n', NS), 'no');
  assert.equal(await can('create', 'pods', '-n', NS), 'no');
});

test('the kernel applies the Deployment\'s security context: the provisioner holds exactly its capabilities, no process more', async () => {
  const sc = pod.spec!.containers[0].securityContext ?? {};
  const want = expectedCapabilities(sc.capabilities);
  const capabilities = (status: string, set: string) => capabilityNames(new RegExp(`^${set}:\\s+([0-9a-f]+)$`, 'm').exec(status)![1]);
  assert.deepEqual(capabilities(procFile(pid, 'status'), 'CapEff'), want, 'the provisioner (root) holds exactly these');
  for (const [name, p] of containerProcesses()) {
    const status = procFile(p, 'status');
    // The daemons may shed more (rpc.statd prunes its bounding set: hence SETPCAP), never hold more.
    const bounding = capabilities(status, 'CapBnd');
    assert.deepEqual(bounding.filter((c) => !want.includes(c)), [], `${name}: bounding set ${bounding.join(' ')} within ${want.join(' ')}`);
    assert.ok(!bounding.includes('NET_RAW'), `${name}: no NET_RAW`);
    if (sc.allowPrivilegeEscalation === false) assert.match(status, /^NoNewPrivs:\s+1$/m, `${name}: no_new_privs`);
    const seccomp = pod.spec!.securityContext?.seccompProfile?.type ?? sc.seccompProfile?.type;
    if (seccomp === 'RuntimeDefault') assert.match(status, /^Seccomp:\s+2$/m, `${name}: seccomp filter`);
  }
});
