/** The datastore's StatefulSet as the cluster tests handle it: its pods, its Lease, and removing it. */
import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { coordination, core, kubectl, waitFor } from './harness';

/** The namespace of the default preset (and of the production variant the tests apply). */
export const NS = 'mehdb';
/** The Lease the datastore elects its leader with (MEHDB_FAILOVER=lease, default name). */
export const LEASE = 'mehdb-leader';
/** Replicas of the default preset (MEHDB_REPLICAS): the voters mehdb-0..2. */
export const VOTERS = 3;

/** The datastore's pods in the namespace. */
export async function mehdbPods(): Promise<k8s.V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: NS, labelSelector: 'app.kubernetes.io/name=mehdb' })).items;
}

/** A pod's stable DNS name through the headless Service: what a follower's 307 points to. */
export const podDnsName = (pod: string) => `${pod}.mehdb.${NS}.svc.cluster.local`;

/** The Lease as the datastore writes it: holder, epoch annotation, transitions, solo mode. */
export interface LeaderLease {
  /** holderIdentity: a pod name, or '' once released. */
  holder: string;
  /** Annotation mehdb.io/epoch. */
  epoch: number;
  /** spec.leaseTransitions. */
  transitions: number;
  /** Annotation mehdb.io/solo is "true". */
  solo: boolean;
}

/** The Lease `mehdb-leader`, or undefined while nobody has created it. */
export async function readLease(): Promise<LeaderLease | undefined> {
  let lease: k8s.V1Lease;
  try {
    lease = await coordination.readNamespacedLease({ namespace: NS, name: LEASE });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
  const annotations = lease.metadata?.annotations ?? {};
  return {
    holder: lease.spec?.holderIdentity ?? '',
    epoch: Number(annotations['mehdb.io/epoch'] ?? NaN),
    transitions: lease.spec?.leaseTransitions ?? 0,
    solo: annotations['mehdb.io/solo'] === 'true',
  };
}

/** A Lease in a line, for figures and messages. */
export const leaseText = (l: LeaderLease | undefined) =>
  l ? `holder ${l.holder || '(none)'}, epoch ${l.epoch}, leaseTransitions ${l.transitions}${l.solo ? ', solo' : ''}` : 'no Lease';

/**
 * Watches the Lease by polling it every `everyMs` until stopped; `holders()` lists every holder
 * seen, in order (a name once per stretch of leadership).
 */
export function watchLease(everyMs = 250): { holders(): string[]; stop(): void } {
  const seen: string[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const holder = (await readLease().catch(() => undefined))?.holder;
      if (holder && seen[seen.length - 1] !== holder) seen.push(holder);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return { holders: () => [...seen], stop: () => { stopped = true; } };
}

/**
 * Deletes the StatefulSet and every claim of the namespace, and waits until the provisioner has
 * deleted their volumes (reclaim policy Delete). The provisioner's RBAC stays, and so does the
 * Lease (the datastore made it; a new StatefulSet takes it over once it expires).
 */
export async function deleteStatefulSetAndClaims(): Promise<void> {
  const volumes = (await core.listPersistentVolume()).items
    .filter((v) => v.spec?.claimRef?.namespace === NS).map((v) => v.metadata!.name!);
  assert.ok(volumes.length >= 2, `volumes of ${NS}: ${volumes.join(', ')}`);
  await kubectl('delete', 'statefulset', 'mehdb', '-n', NS, '--wait=true');
  await waitFor('the mehdb pods gone', 120_000, async () => (await mehdbPods()).length === 0);
  await kubectl('delete', 'pvc', '-n', NS, '--all', '--wait=true');
  await waitFor('the volumes deleted by the provisioner (reclaim policy Delete)', 120_000, async () => {
    const names = new Set((await core.listPersistentVolume()).items.map((v) => v.metadata!.name));
    return volumes.every((v) => !names.has(v));
  });
}
