import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildApp } from '../lib/app';
import { AppConfig, ConfigError, loadConfig, PRESETS } from '../lib/config';

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

describe('loadConfig reports every problem of a config at once', () => {
  const tryBuild = (config: AppConfig) => { buildApp(config); };

  test('unknown settings and values of the wrong JSON type, each on its own line', () => {
    const file = configFile(JSON.stringify({ replicas: 3, mehdb: { replica: 3, port: '9876', livenessProbe: null }, storage: { mountOptions: [1] } }));
    expect(() => loadConfig({ MEHDB_CONFIG: file })).toThrow(expect.objectContaining({
      problems: [
        expect.stringMatching(/^config\.replicas: is not a setting\. Fix: /),
        expect.stringMatching(/^storage\.mountOptions: \[1\] is not an array of strings\. Fix: /),
        expect.stringMatching(/^config\.mehdb\.replica: is not a setting\. Fix: /),
        expect.stringMatching(/^mehdb\.port: "9876" is not a number\. Fix: /),
        expect.stringMatching(/^mehdb\.livenessProbe: null is not an object\. Fix: /),
      ],
    }));
  });

  test('with tryBuild, every bad value is reported, not only the first one a construct meets', () => {
    const file = configFile(JSON.stringify({ namespace: 'Shop', mehdb: { replicas: 0, storageSize: '1 gigabyte', bogus: true } }));
    let error: unknown;
    try { loadConfig({ MEHDB_CONFIG: file }, { tryBuild }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map(p => p.split(':')[0])).toEqual(
      ['config.mehdb.bogus', 'namespace', 'Mehdb.replicas', 'Mehdb.storageSize']);
    expect((error as Error).message.split('\n')).toEqual((error as ConfigError).problems);
  });

  test('with tryBuild, a good config loads as without it', () => {
    const file = configFile(JSON.stringify({ namespace: 'shop', mehdb: { replicas: 3 } }));
    expect(loadConfig({ MEHDB_CONFIG: file }, { tryBuild })).toEqual(loadConfig({ MEHDB_CONFIG: file }));
  });
});
