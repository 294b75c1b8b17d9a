import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { loadConfig, PRESETS } from '../lib/config';

function configFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'mehdb-config-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

describe('loadConfig', () => {
  test('MEHDB_PRESET picks the preset; unset or empty means default', () => {
    expect(loadConfig({}).preset).toBe('default');
    expect(loadConfig({ MEHDB_PRESET: '' }).preset).toBe('default');
    expect(loadConfig({ MEHDB_PRESET: 'tutorial' })).toEqual(PRESETS.tutorial);
  });

  test('an unknown preset names the variable and the choices', () => {
    expect(() => loadConfig({ MEHDB_PRESET: 'prod' })).toThrow(/^MEHDB_PRESET: "prod" is not allowed\. Fix: use one of "default", "tutorial"/);
  });

  test('MEHDB_CONFIG lays a JSON file over the preset, section by section', () => {
    const file = configFile(JSON.stringify({ namespace: 'shop', mehdb: { replicas: 3, antiAffinity: 'preferred' }, storage: { storageClassName: 'nfs-fast' } }));
    const config = loadConfig({ MEHDB_PRESET: 'tutorial', MEHDB_CONFIG: file });
    expect(config.namespace).toBe('shop');
    expect(config.mehdb).toEqual({ ...PRESETS.tutorial.mehdb, replicas: 3, antiAffinity: 'preferred' });
    expect(config.storage).toEqual({ ...PRESETS.tutorial.storage, storageClassName: 'nfs-fast' });
  });

  test('an unreadable or malformed file is an error naming MEHDB_CONFIG', () => {
    expect(() => loadConfig({ MEHDB_CONFIG: '/nonexistent/config.json' })).toThrow(/^MEHDB_CONFIG: cannot read/);
    expect(() => loadConfig({ MEHDB_CONFIG: configFile('{"mehdb": ') })).toThrow(/^MEHDB_CONFIG: .* is not a JSON object/);
    expect(() => loadConfig({ MEHDB_CONFIG: configFile('[1]') })).toThrow(/^MEHDB_CONFIG: .* is not a JSON object/);
  });
});
