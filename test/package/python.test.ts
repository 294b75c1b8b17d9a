// GIVEN the library built with jsii and packaged for Python by jsii-pacmak, installed in a new
// virtualenv with cdk8s, cdk8s-plus-27 and constructs from PyPI (the versions the TypeScript side
// uses)  WHEN a Python chart builds the default preset with it  THEN it synthesizes exactly the
// objects of the TypeScript snapshot of that preset (test/charts.test.ts).
import { mkdtempSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { presetConfig, synth, TEST_IMAGE } from '../support/synth';
import { installedVersion, PACKAGE_DIR, ROOT, run } from './support';

const PYTHON = process.env.MEHDB_PYTHON ?? 'python3.11';

test('a Python chart made with the bindings synthesizes the same objects as the TypeScript one', () => {
  run(process.execPath, [join(PACKAGE_DIR, 'build.js')], { cwd: PACKAGE_DIR });
  const pacmak = join(ROOT, 'node_modules', '.bin', 'jsii-pacmak');
  run(pacmak, ['--targets', 'python', '--outdir', 'dist-jsii'], { cwd: PACKAGE_DIR });
  const wheels = join(PACKAGE_DIR, 'dist-jsii', 'python');
  const wheel = join(wheels, readdirSync(wheels).find(f => f.endsWith('.whl'))!);

  const venv = mkdtempSync(join(tmpdir(), 'mehdb-cdk8s-venv-'));
  run(PYTHON, ['-m', 'venv', venv]);
  const pins = ['cdk8s', 'cdk8s-plus-27', 'constructs'].map(p => `${p}==${installedVersion(p)}`);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', wheel, ...pins]);

  const out = run(join(venv, 'bin', 'python'), [join(__dirname, 'python_chart.py'), TEST_IMAGE], { cwd: venv });
  const fromPython = JSON.parse(out) as { clusterScoped: unknown[]; namespaced: unknown[] };
  const fromTypeScript = synth(presetConfig('default'));
  expect(fromPython.clusterScoped).toEqual(fromTypeScript.clusterScoped);
  expect(fromPython.namespaced).toEqual(fromTypeScript.namespaced);
  expect(fromPython.namespaced.length).toBeGreaterThan(10);
});
