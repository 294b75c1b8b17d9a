// GIVEN the packed library  WHEN a new, empty project installs it with its peer dependencies and
// compiles the README's first example with `tsc --strict`  THEN running it writes the StatefulSet
// and the StorageClass, with the datastore image the package was built with.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { buildAndPack, installedVersion, PACKAGE_DIR, ROOT, run } from './support';

/** The first TypeScript example of the package's README. */
function firstExample(): string {
  const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('packages/mehdb-cdk8s/README.md has no ```ts example');
  return match[1];
}

const tarball = buildAndPack();

test('the tarball holds the compiled library, its declarations, the assembly and docs, and nothing of the app', () => {
  const files = run('tar', ['-tzf', tarball]).trim().split('\n').map(f => f.replace(/^package\//, '')).sort();
  expect(files).toEqual(expect.arrayContaining(['.jsii', 'API.md', 'LICENSE', 'README.md', 'package.json', 'build/mehdb-cdk8s.js', 'build/lib/index.d.ts']));
  expect(files.filter(f => !/^(\.jsii|API\.md|LICENSE|README\.md|package\.json|build\/mehdb-cdk8s\.js|build\/(lib|imports)\/.*\.d\.ts)$/.test(f))).toEqual([]);
  expect(files.filter(f => /lib\/(policy|config|charts)\/|schema|settle/.test(f))).toEqual([]);
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']));
  expect(manifest).toMatchObject({ name: 'mehdb-cdk8s', license: 'Apache-2.0', keywords: expect.arrayContaining(['cdk8s']) });
  expect(Object.keys(manifest.peerDependencies).sort()).toEqual(['cdk8s', 'cdk8s-plus-27', 'constructs']);
  expect(manifest.dependencies ?? {}).toEqual({});
});

test('the README\'s first example, in a new project, compiles with tsc --strict and synthesizes the StatefulSet and the StorageClass', () => {
  const project = mkdtempSync(join(tmpdir(), 'mehdb-cdk8s-consumer-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // Decoys: a cdk8s.yaml and an image record of another image in the consumer's folder change nothing.
  writeFileSync(join(project, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
  mkdirSync(join(project, 'image'));
  writeFileSync(join(project, 'image', 'mehdb-image.json'), JSON.stringify({ reference: `decoy/mehdb:1@sha256:${'1'.repeat(64)}`, digest: `sha256:${'1'.repeat(64)}` }));
  const peers = ['cdk8s', 'cdk8s-plus-27', 'constructs', 'typescript', '@types/node'].map(p => `${p}@${installedVersion(p)}`);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error', tarball, ...peers], { cwd: project });
  writeFileSync(join(project, 'main.ts'), firstExample());
  run(join(project, 'node_modules', '.bin', 'tsc'), ['--strict', '--target', 'ES2022', '--module', 'commonjs', '--types', 'node', 'main.ts'], { cwd: project });
  run(process.execPath, ['main.js'], { cwd: project });

  const objects = readdirSync(join(project, 'dist')).flatMap(f => parseAllDocuments(readFileSync(join(project, 'dist', f), 'utf8')).map(d => d.toJSON()));
  const statefulSet = objects.find(o => o.kind === 'StatefulSet');
  const storageClass = objects.find(o => o.kind === 'StorageClass');
  expect(statefulSet).toMatchObject({ metadata: { name: 'mehdb', namespace: 'db' }, spec: { replicas: 3 } });
  expect(storageClass).toMatchObject({ metadata: { name: 'nfs-dynamic' }, provisioner: 'example.com/nfs' });
  expect(statefulSet.spec.volumeClaimTemplates[0].spec.storageClassName).toBe('nfs-dynamic');
  const recorded = JSON.parse(readFileSync(join(ROOT, 'image', 'mehdb-image.json'), 'utf8')).reference;
  expect(statefulSet.spec.template.spec.containers[0].image).toBe(recorded);
});
