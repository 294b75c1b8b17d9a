import { InvalidPropError } from '../common/prop-error';
// The record of the last `npm run image`, read when this code is built: esbuild (npm run synth) and
// the package build both inline it, so the image travels with the code that uses it and no file is
// looked for at synth (nor depends on the working directory).
import RECORD from '../../image/mehdb-image.json';

/** The record `npm run image` writes after building the datastore image. */
export interface DatastoreImageRecord {
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** `<repository>:<tag>@<digest>`: what the StatefulSet pulls. */
  readonly reference: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/**
 * The datastore image this code was built with: the recorded reference, pinned by its digest. An
 * unknown image (no valid record) is a synth-time error naming the fix, never a placeholder.
 */
export function recordedDatastoreImage(record: Partial<DatastoreImageRecord> = RECORD): string {
  if (typeof record.reference !== 'string' || typeof record.digest !== 'string' || !DIGEST.test(record.digest)
    || !record.reference.endsWith(`@${record.digest}`)) {
    throw new InvalidPropError('mehdb.image', 'no datastore image is recorded in this build (image/mehdb-image.json has no "reference" ending in its "digest")',
      'set mehdb.image to a pinned image, or run `npm run image` and build again');
  }
  return record.reference;
}
