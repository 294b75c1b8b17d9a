import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { applyOverrides, ConfigError, loadConfig, PRESETS } from '../lib/config';
import { PRODUCTION_OVERRIDES } from './fixtures/config-variants';

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
  test('unknown settings and values of the wrong JSON type, each on its own line, with the closest setting', () => {
    const file = configFile(JSON.stringify({ replicas: 3, mehdb: { replica: 3, port: '9876', livenessProbe: null }, storage: { mountOptions: [1] } }));
    expect(() => loadConfig({ MEHDB_CONFIG: file })).toThrow(expect.objectContaining({
      problems: [
        expect.stringMatching(/^storage\.mountOptions\[0\]: 1 is not a string\. Fix: /),
        expect.stringMatching(/^mehdb\.port: "9876" is not a number\. Fix: /),
        expect.stringMatching(/^mehdb\.livenessProbe: null is not an object\. Fix: /),
        expect.stringMatching(/^mehdb\.replica: is not a setting\. Fix: did you mean `replicas`\? /),
        expect.stringMatching(/^replicas: is not a setting\. Fix: remove it \(the settings here: \$schema, namespace, storage, mehdb\)/),
      ],
    }));
  });

  test('every bad value is reported, not only the first one a construct meets', () => {
    const file = configFile(JSON.stringify({ namespace: 'Shop', mehdb: { replicas: 0, storageSize: '1 gigabyte', bogus: true } }));
    let error: unknown;
    try { loadConfig({ MEHDB_CONFIG: file }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map(p => p.split(':')[0])).toEqual(
      ['namespace', 'mehdb.replicas', 'mehdb.storageSize', 'mehdb.bogus']);
    expect((error as Error).message.split('\n')).toEqual((error as ConfigError).problems);
  });

  test('"$schema" (for editors) is accepted and left out of the config', () => {
    const file = configFile(JSON.stringify({ $schema: './docs/mehdb-config.schema.json', namespace: 'shop' }));
    expect(loadConfig({ MEHDB_CONFIG: file })).toEqual({ ...PRESETS.default, namespace: 'shop' });
  });
});

describe('the production settings through MEHDB_CONFIG', () => {
  test('every one is a setting: the production overrides load from JSON as they apply in code', () => {
    const file = configFile(JSON.stringify(PRODUCTION_OVERRIDES));
    expect(loadConfig({ MEHDB_CONFIG: file })).toEqual(applyOverrides(PRESETS.default, PRODUCTION_OVERRIDES));
  });

  test('values of the wrong JSON kind, each named', () => {
    const file = configFile(JSON.stringify({
      mehdb: { podDisruptionBudget: 'yes', serviceMonitor: 1, topologySpreadConstraints: { over: 'zone' }, imagePullSecrets: 'creds', terminationGracePeriodSeconds: '30' },
      storage: { extraArgs: '-device-based-fsids=false', defaultClass: 'true', volumeBindingMode: 1 },
    }));
    expect(() => loadConfig({ MEHDB_CONFIG: file })).toThrow(expect.objectContaining({
      problems: [
        expect.stringMatching(/^storage\.extraArgs: "-device-based-fsids=false" is not a list\. Fix: /),
        expect.stringMatching(/^storage\.volumeBindingMode: 1 is not allowed\. Fix: use one of "Immediate", "WaitForFirstConsumer"/),
        expect.stringMatching(/^storage\.defaultClass: "true" is not true or false\. Fix: /),
        expect.stringMatching(/^mehdb\.podDisruptionBudget: "yes" is not true or false or an object\. Fix: /),
        expect.stringMatching(/^mehdb\.topologySpreadConstraints: .* is not a list\. Fix: /),
        expect.stringMatching(/^mehdb\.imagePullSecrets: "creds" is not a list\. Fix: /),
        expect.stringMatching(/^mehdb\.terminationGracePeriodSeconds: "30" is not a number\. Fix: /),
        expect.stringMatching(/^mehdb\.serviceMonitor: 1 is not true or false or an object\. Fix: /),
      ],
    }));
  });

  test('every bad value of them is reported at once', () => {
    const file = configFile(JSON.stringify({
      mehdb: { extraEnv: { MEHDB_PORT: '1' }, updateStrategy: { type: 'RollingUpdate', partition: 5 }, podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } },
      storage: { extraArgs: ['-provisioner=x.com/nfs'], volumeBindingMode: 'Later' },
    }));
    let error: unknown;
    try { loadConfig({ MEHDB_CONFIG: file }); } catch (e) { error = e; }
    expect((error as ConfigError).problems.map(p => p.split(': ')[0])).toEqual([
      'storage.extraArgs[0]', 'storage.volumeBindingMode', 'mehdb.podDisruptionBudget', 'mehdb.extraEnv.MEHDB_PORT', 'mehdb.updateStrategy.partition',
    ]);
  });
});

test('a setting that needs another of the file is checked against it (partition 4 of 5 replicas)', () => {
  const good = configFile(JSON.stringify({ mehdb: { replicas: 5, updateStrategy: { type: 'RollingUpdate', partition: 4 }, podDisruptionBudget: { minAvailable: 3 } } }));
  expect(loadConfig({ MEHDB_CONFIG: good }).mehdb.replicas).toBe(5);
  const alsoBad = configFile(JSON.stringify({ mehdb: { replicas: 5, updateStrategy: { type: 'RollingUpdate', partition: 4 }, storageSize: 'big' } }));
  expect(() => loadConfig({ MEHDB_CONFIG: alsoBad })).toThrow(expect.objectContaining({ problems: [expect.stringMatching(/^mehdb\.storageSize: /)] }));
});

test('process.env is read only by the config loader; everything else gets settings passed down', () => {
  const root = join(__dirname, '..');
  const sources = (dir: string): string[] => readdirSync(join(root, dir), { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  const readers = ['main.ts', ...sources('lib')].filter(f => readFileSync(join(root, f), 'utf8').includes('process.env'));
  expect(readers).toEqual([join('lib', 'config', 'load-config.ts')]);
});
