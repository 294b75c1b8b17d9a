import { spawnSync } from 'child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { parse } from 'yaml';
import { buildApp } from '../lib/app';
import { loadConfig } from '../lib/config';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const tempDir = () => mkdtempSync(join(tmpdir(), 'mehdb-out-'));
const readAll = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map(f => [f, readFileSync(join(dir, f), 'utf8')]));

test('the committed dist/ equals a fresh synth of the default preset (run `npm run synth` and commit)', () => {
  const fresh = tempDir();
  buildApp(loadConfig({}), fresh).app.synth();
  expect(readdirSync(DIST).sort()).toEqual(['0000-cluster-scoped.k8s.yaml', '0001-namespaced.k8s.yaml']);
  expect(readAll(DIST)).toEqual(readAll(fresh));
});

test('`npm run helm` writes a chart named mehdb whose templates are the synthesized manifests', () => {
  const out = join(tempDir(), 'any-folder-name');
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-ts.js'), 'scripts/helm.ts', out],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, MEHDB_PRESET: 'default', MEHDB_CONFIG: '' } });
  expect(run.status).toBe(0);
  const chart = parse(readFileSync(join(out, 'Chart.yaml'), 'utf8'));
  expect(chart).toMatchObject({ apiVersion: 'v2', name: 'mehdb', version: require('../package.json').version, type: 'application' });
  expect(readAll(join(out, 'templates'))).toEqual(readAll(DIST));
});
