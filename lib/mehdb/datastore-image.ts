import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import { InvalidPropError } from '../common/prop-error';

/** The record `npm run image` writes after building the datastore image. */
export interface DatastoreImageRecord {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** `<repository>:<tag>@<digest>`: what the StatefulSet pulls. */
  readonly reference: string;
}

/** Used until `npm run image` has recorded a build: says what to do, and is never `:latest`. */
export const UNBUILT_DATASTORE_IMAGE = 'localhost/mehdb:unbuilt-run-npm-run-image';

const RECORD_PATH = join('image', 'mehdb-image.json');
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The datastore image reference pinned by digest, from the committed record of the last
 * `npm run image`; {@link UNBUILT_DATASTORE_IMAGE} when there is no record yet. Synth never builds.
 */
export function recordedDatastoreImage(projectRoot = findProjectRoot()): string {
  const file = join(projectRoot, RECORD_PATH);
  if (!existsSync(file)) return UNBUILT_DATASTORE_IMAGE;
  const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<DatastoreImageRecord>;
  if (typeof record.reference !== 'string' || typeof record.digest !== 'string' || !DIGEST.test(record.digest)
    || !record.reference.endsWith(`@${record.digest}`)) {
    throw new InvalidPropError(RECORD_PATH, 'the record has no "reference" ending in its "digest" (sha256:<64 hex>)',
      'run `npm run image` to rebuild the image and rewrite the record');
  }
  return record.reference;
}

/** The folder holding cdk8s.yaml, found upwards from this file (works from lib/ and from .build/). */
function findProjectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'cdk8s.yaml'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}
