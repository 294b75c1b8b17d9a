import { readFileSync } from 'fs';
import { join } from 'path';
import * as ts from 'typescript';
import { z } from 'zod';
import * as library from '../lib';
import { TOPOLOGY_SPREAD } from '../lib/common/struct-schemas';
import { MEHDB_FAILOVER, MEHDB_PROPS, MEHDB_SERVICE_MONITOR } from '../lib/mehdb/mehdb-schema';
import { NFS_PROVISIONER_PROPS } from '../lib/nfs-provisioner/nfs-provisioner-schema';

/** The `@default` tag text of each field of an interface (with the fields it extends), read from its source's JSDoc. */
function documentedDefaults(file: string, interfaceName: string): Record<string, string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Record<string, string> = {};
  source.forEachChild(node => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== interfaceName) return;
    for (const heritage of node.heritageClauses ?? []) {
      for (const type of heritage.types) Object.assign(found, documentedDefaults(file, type.expression.getText(source)));
    }
    for (const member of node.members) {
      const tag = ts.getJSDocTags(member).find(t => t.tagName.text === 'default');
      if (member.name && tag) found[member.name.getText(source)] = ts.getTextOfJSDocComment(tag.comment) ?? '';
    }
  });
  return found;
}

/** A documented default as a value: a literal (enum members included) is evaluated; `- words` describes a computed default. */
function documentedValue(text: string): unknown {
  const names = Object.keys(library);
  return new Function(...names, `return (${text});`)(...names.map(n => (library as Record<string, unknown>)[n]));
}

/** The default the schema gives each field (the one place a default is stated). */
function schemaDefaults(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, { default?: unknown }> };
  return Object.fromEntries(Object.entries(json.properties).filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default]));
}

describe.each([
  ['lib/mehdb/mehdb-props.ts', 'MehdbProps', MEHDB_PROPS],
  ['lib/nfs-provisioner/nfs-provisioner-props.ts', 'NfsProvisionerProps', NFS_PROVISIONER_PROPS],
  ['lib/mehdb/mehdb-props.ts', 'MehdbServiceMonitor', MEHDB_SERVICE_MONITOR],
  ['lib/mehdb/mehdb-props.ts', 'MehdbFailover', MEHDB_FAILOVER],
  ['lib/common/scheduling.ts', 'TopologySpread', TOPOLOGY_SPREAD],
] as const)('%s %s: each default is stated once, in the schema, and the JSDoc says the same', (file, name, schema) => {
  const documented = documentedDefaults(join(__dirname, '..', file), name);
  const defaults = schemaDefaults(schema);

  test.each(Object.entries(defaults))('%s', (field, value) => {
    const text = documented[field];
    expect(text).toBeDefined();
    // Resources are documented in words ("requests 100m CPU / 64Mi, limit 256Mi"); check every amount is named.
    if (text.startsWith('-')) {
      const amounts = JSON.stringify(value).match(/"\d+\w*"/g) ?? [];
      expect(amounts.length).toBeGreaterThan(0);
      for (const amount of amounts) expect(text).toContain(JSON.parse(amount));
    } else {
      expect(documentedValue(text)).toEqual(value);
    }
  });

  test('every field documented with a literal default has it in the schema', () => {
    const literal = Object.entries(documented).filter(([, text]) => !text.startsWith('-')).map(([field]) => field);
    expect(literal.filter(field => !(field in defaults))).toEqual([]);
  });
});
