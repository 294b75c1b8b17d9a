// What the repository commits: image/mehdb-image.json records the digest the build gives, and
// the StatefulSets of dist/ pin its reference.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { REPO_DIR, built, type ImageRecord } from './harness';

const RECORD = path.join(REPO_DIR, 'image', 'mehdb-image.json');
const committed = (): ImageRecord => {
  assert.ok(fs.existsSync(RECORD), 'image/mehdb-image.json is missing: run npm run image and commit it');
  return JSON.parse(fs.readFileSync(RECORD, 'utf8')) as ImageRecord;
};

interface Container { image?: string }
interface Manifest { kind?: string; spec?: { template?: { spec?: { containers?: Container[] } } } }

/** The images of the mehdb containers of the StatefulSets in dist/*.yaml. */
function statefulSetImages(): string[] {
  const dist = path.join(REPO_DIR, 'dist');
  if (!fs.existsSync(dist)) return [];
  return fs.readdirSync(dist).filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dist, f), 'utf8')).map((d) => d.toJSON() as Manifest | null))
    .filter((m) => m?.kind === 'StatefulSet')
    .flatMap((m) => m?.spec?.template?.spec?.containers ?? [])
    .map((c) => c.image ?? '')
    .filter((image) => image.includes('mehdb'));
}

describe('the committed record and manifests', () => {
  test('the build reproduces the digest of the committed image/mehdb-image.json', (t) => {
    const want = committed().digest;
    const got = built(1).digest;
    if (got !== want && process.env.MEHDB_IMAGE_ALLOW_STALE === '1') {
      t.skip(`the committed record is stale (${want}, built ${got}); MEHDB_IMAGE_ALLOW_STALE=1`);
      return;
    }
    assert.equal(got, want, `committed ${want}, built ${got}. The record is stale (the datastore sources, the ` +
      'Dockerfile or the base changed since it was written): run `npm run image`, then `npm run synth`, ' +
      'and commit image/mehdb-image.json and dist/.');
  });

  test('the StatefulSets of dist/ pin the recorded reference', (t) => {
    const images = [...new Set(statefulSetImages())];
    if (images.length === 0) {
      t.skip('no StatefulSet with a mehdb container in dist/*.yaml yet');
      return;
    }
    const { reference } = committed();
    assert.deepEqual(images, [reference], `dist/ has ${images.join(' ')}, the record ${reference}. Run \`npm run synth\` and commit dist/.`);
  });
});
