/** The NFS provisioner of dist/ as the cluster tests handle it: its pod, its Service, its volumes. */
import * as k8s from '@kubernetes/client-node';
import { core, isReady, waitFor } from './harness';
import { NS } from './statefulset';

/** The Deployment, Service and NetworkPolicy name of the provisioner in the default preset. */
export const PROVISIONER = 'nfs-provisioner';

/** The provisioner's pod, once it is Running and Ready through its own probes. */
export async function provisionerPod(timeoutMs: number): Promise<k8s.V1Pod> {
  return waitFor(`the ${PROVISIONER} pod Ready`, timeoutMs, async () => {
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${PROVISIONER}` })).items;
    return pods.length === 1 && isReady(pods[0]) ? pods[0] : undefined;
  }, 250);
}

/** The ClusterIP of the provisioner's Service: the NFS server its volumes name. */
export async function nfsServiceAddress(): Promise<string> {
  return (await core.readNamespacedService({ namespace: NS, name: PROVISIONER })).spec!.clusterIP!;
}

/** The volume bound to a claim of the namespace. */
export async function volumeOf(claim: string): Promise<k8s.V1PersistentVolume> {
  const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name: claim });
  return core.readPersistentVolume({ name: pvc.spec!.volumeName! });
}

/** Resolves once every claim named is Bound. */
export async function claimsBound(claims: string[], timeoutMs: number): Promise<void> {
  for (const name of claims) {
    await waitFor(`claim ${NS}/${name} Bound`, timeoutMs, async () =>
      (await core.readNamespacedPersistentVolumeClaim({ namespace: NS, name })).status?.phase === 'Bound', 250);
  }
}

/** `nfs://<Service address><export path>?version=4` of a volume: what a userspace client reads. */
export async function nfsUrl(pv: k8s.V1PersistentVolume): Promise<string> {
  return `nfs://${await nfsServiceAddress()}${pv.spec!.nfs!.path}?version=4`;
}
