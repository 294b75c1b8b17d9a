// The schema of the app's config: a config file's sections are the constructs' settings schemas,
// plus the rule that ties them (the claims' StorageClass is the one the storage layer serves).
import { z } from 'zod';
import { checked, problem, structOf } from '../common/schema';
import { checkDnsLabel } from '../common/validate';
import { MEHDB_SETTINGS } from '../mehdb/mehdb-schema';
import { NFS_PROVISIONER_SETTINGS } from '../nfs-provisioner/nfs-provisioner-schema';
import { AppConfigOverrides } from './app-config';

/** What a MEHDB_CONFIG file may hold; the JSON Schema of config files is generated from it. */
export const APP_CONFIG_FILE = structOf<AppConfigOverrides>('AppConfigOverrides')({
  $schema: z.string().optional(),
  namespace: checked(z.string(), checkDnsLabel).optional(),
  storage: NFS_PROVISIONER_SETTINGS.optional(),
  mehdb: MEHDB_SETTINGS.optional(),
}).superRefine((config, ctx) => {
  const served = config.storage?.storageClassName;
  const claimed = config.mehdb?.storageClassName;
  if (served !== undefined && claimed !== undefined && claimed !== served) {
    problem(ctx, ['mehdb', 'storageClassName'],
      `${JSON.stringify(claimed)} does not match the StorageClass the storage layer serves (${JSON.stringify(served)}), so the claims would stay Pending`,
      'leave mehdb.storageClassName unset, or set storage.storageClassName to the same name');
  }
}, { when: () => true });
