import { spawnSync, SpawnSyncOptions } from 'child_process';
import { mkdtempSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

export const ROOT = resolve(__dirname, '..', '..');
export const PACKAGE_DIR = join(ROOT, 'packages', 'mehdb-cdk8s');

/** Runs a command; fails the test with its output when it fails. */
export function run(command: string, args: string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return String(result.stdout);
}

/** Builds the library (jsii, the bundle, API.md) and packs it; returns the tarball's path. */
export function buildAndPack(): string {
  run(process.execPath, [join(PACKAGE_DIR, 'build.js')], { cwd: PACKAGE_DIR });
  const destination = mkdtempSync(join(tmpdir(), 'mehdb-cdk8s-pack-'));
  run('npm', ['pack', '--pack-destination', destination, '--silent'], { cwd: PACKAGE_DIR });
  return join(destination, readdirSync(destination).find(f => f.endsWith('.tgz'))!);
}

/** The version of a package installed in the repository (the peers a consumer installs alongside). */
export function installedVersion(name: string): string {
  return (require(require.resolve(`${name}/package.json`, { paths: [ROOT] })) as { version: string }).version;
}
