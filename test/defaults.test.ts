import { readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import { TOPOLOGY_SPREAD_DEFAULTS } from '../lib/common/scheduling';
import { FAILOVER_DEFAULTS, MEHDB_DEFAULTS, SERVICE_MONITOR_DEFAULTS } from '../lib/mehdb';
import { NFS_PROVISIONER_DEFAULTS } from '../lib/nfs-provisioner';

/** The `@default` tag text of each field of an interface, read from its source file's JSDoc. */
function documentedDefaults(file: string, interfaceName: string): Record<string, string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Record<string, string> = {};
  source.forEachChild(node => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== interfaceName) return;
    for (const member of node.members) {
      const tag = ts.getJSDocTags(member).find(t => t.tagName.text === 'default');
      if (member.name && tag) found[member.name.getText(source)] = ts.getTextOfJSDocComment(tag.comment) ?? '';
    }
  });
  return found;
}

/** A documented default as a value: a literal is evaluated; `- words` describes a computed default. */
function documentedValue(text: string): unknown {
  return text.startsWith('-') ? text : new Function(`return (${text});`)();
}

describe.each([
  ['lib/mehdb/mehdb-props.ts', 'MehdbSettings', MEHDB_DEFAULTS],
  ['lib/nfs-provisioner/nfs-provisioner-props.ts', 'NfsProvisionerSettings', NFS_PROVISIONER_DEFAULTS],
  ['lib/mehdb/mehdb-props.ts', 'MehdbServiceMonitor', SERVICE_MONITOR_DEFAULTS],
  ['lib/mehdb/mehdb-props.ts', 'MehdbFailover', FAILOVER_DEFAULTS],
  ['lib/common/scheduling.ts', 'TopologySpread', TOPOLOGY_SPREAD_DEFAULTS],
] as const)('%s: each default is stated once, in the defaults object, and the JSDoc says the same', (file, name, defaults) => {
  const documented = documentedDefaults(join(__dirname, '..', file), name);

  test.each(Object.entries(defaults))('%s', (field, value) => {
    const text = documented[field];
    expect(text).toBeDefined();
    // Resources are documented in words ("requests 100m CPU / 64Mi, limit 256Mi"); check every amount is named.
    if (text.startsWith('-')) {
      const amounts = JSON.stringify(value).match(/"\d+\w*"/g) ?? [];
      for (const amount of amounts) expect(text).toContain(JSON.parse(amount));
    } else {
      expect(documentedValue(text)).toEqual(value);
    }
  });

  test('every field documented with a literal default is in the defaults object', () => {
    const literal = Object.entries(documented).filter(([, text]) => !text.startsWith('-')).map(([field]) => field);
    expect(literal.filter(field => !(field in defaults))).toEqual([]);
  });
});
