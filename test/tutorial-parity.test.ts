import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import { parseAllDocuments } from 'yaml';
import { presetConfig, synth } from './support/synth';

/**
 * The course's manifests, read from the shared reference folder beside the repository (or from
 * MEHDB_TUTORIAL_DIR). They are reference data and are not copied into the repository.
 */
const TUTORIAL_DIR = process.env.MEHDB_TUTORIAL_DIR ?? resolve(__dirname, '..', '..', 'shared', 'reference', 'tutorial');

/** Deprecated spellings the course uses, and the field the app writes instead (same meaning). */
const FIELD_ALIASES: Record<string, string> = { serviceAccount: 'serviceAccountName' };

/**
 * Where `ours` lacks a value that `reference` sets: every key of a reference map must match, every
 * element of a reference list must match some element of ours. Scalars compare as strings
 * (`port: 9876` and `"9876"` mean the same to the API server).
 */
function missingValues(reference: unknown, ours: any, path: string): string[] {
  if (reference === null || reference === undefined) return [];
  if (Array.isArray(reference)) {
    if (!Array.isArray(ours)) return [`${path}: expected a list, got ${JSON.stringify(ours)}`];
    return reference.flatMap((element, i) =>
      ours.some(candidate => missingValues(element, candidate, '').length === 0)
        ? [] : [`${path}[${i}]: no element matching ${JSON.stringify(element)}`]);
  }
  if (typeof reference === 'object') {
    if (typeof ours !== 'object' || ours === null) return [`${path}: expected an object, got ${JSON.stringify(ours)}`];
    return Object.entries(reference).flatMap(([key, value]) => missingValues(value, ours[FIELD_ALIASES[key] ?? key], `${path}.${key}`));
  }
  return String(reference) === String(ours) ? [] : [`${path}: expected ${JSON.stringify(reference)}, got ${JSON.stringify(ours)}`];
}

const describeIfReference = existsSync(TUTORIAL_DIR) ? describe : describe.skip;
if (!existsSync(TUTORIAL_DIR)) console.warn(`tutorial parity skipped: ${TUTORIAL_DIR} not found (set MEHDB_TUTORIAL_DIR)`);

describeIfReference('the tutorial preset carries every field value of the course\'s manifests', () => {
  const references = existsSync(TUTORIAL_DIR) ? readdirSync(TUTORIAL_DIR).filter(f => f.endsWith('.yaml')).flatMap(file =>
    parseAllDocuments(readFileSync(join(TUTORIAL_DIR, file), 'utf8')).map(doc => doc.toJS()).filter(Boolean)
      .map((object: any) => [`${file}: ${object.kind} ${object.metadata.name}`, object] as const)) : [];
  const ours = synth(presetConfig('tutorial')).all;

  test('all eleven objects of the course are compared', () => {
    expect(references.map(([, o]) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/nfs-provisioner-runner', 'ClusterRoleBinding/run-nfs-provisioner', 'Deployment/nfs-provisioner',
      'PersistentVolumeClaim/nfs', 'Role/leader-locking-nfs-provisioner', 'RoleBinding/leader-locking-nfs-provisioner',
      'Service/mehdb', 'Service/nfs-provisioner', 'ServiceAccount/nfs-provisioner', 'StatefulSet/mehdb', 'StorageClass/nfs-dynamic',
    ].sort());
  });

  test.each(references)('%s', (_name, reference) => {
    const match = ours.filter(o => o.kind === reference.kind && o.metadata.name === reference.metadata.name);
    expect(match).toHaveLength(1);
    expect(missingValues(reference, match[0], `${reference.kind}/${reference.metadata.name}`)).toEqual([]);
  });

  test('the comparison is strict: a changed value is reported', () => {
    const [, statefulSet] = references.find(([, o]) => o.kind === 'StatefulSet')!;
    const changed = synth(presetConfig('tutorial', { mehdb: { storageSize: '2Gi' } })).all.find(o => o.kind === 'StatefulSet');
    expect(missingValues(statefulSet, changed, 'sts')).toEqual(['sts.spec.volumeClaimTemplates[0]: no element matching {"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteMany"],"storageClassName":"nfs-dynamic","resources":{"requests":{"storage":"1Gi"}}}}']);
  });
});
