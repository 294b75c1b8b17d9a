#!/usr/bin/env node
// npm run build (in packages/mehdb-cdk8s): the construct library from lib/index.ts.
//   1. jsii compiles lib/'s constructs (tsconfig.jsii.json) into build/ and writes .jsii, the
//      assembly from which jsii-pacmak makes the Python package and jsii-docgen API.md.
//   2. esbuild bundles the same entry point into build/mehdb-cdk8s.js, the package's `main`: zod
//      and the datastore image record (image/mehdb-image.json) go inside it; cdk8s, cdk8s-plus-27
//      and constructs stay peer dependencies, so a chart has one copy of each.
//   3. Only the .d.ts files that build/lib/index.d.ts reaches are kept: the package ships no
//      code twice and no declarations of internals (the schemas, which would need zod's types).
//   4. jsii-docgen writes API.md (committed; CI fails when it differs from a fresh build).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const here = __dirname;
const root = path.resolve(here, '..', '..');
const out = path.join(here, 'build');
const PEERS = ['cdk8s', 'cdk8s-plus-27', 'constructs'];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: here, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The .d.ts files `entry` imports, directly or not (relative imports only). */
function reachable(entry, seen = new Set()) {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = fs.readFileSync(entry, 'utf8');
  for (const [, spec] of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const base = path.resolve(path.dirname(entry), spec);
    const file = [`${base}.d.ts`, path.join(base, 'index.d.ts')].find(f => fs.existsSync(f));
    if (!file) throw new Error(`${entry}: cannot find the declarations of '${spec}'`);
    reachable(file, seen);
  }
  return seen;
}

/**
 * zod's `z` namespace re-exports all its locales (about 360 kB) for translated messages; this
 * library writes its own messages, and zod's default English ones are kept.
 */
function englishOnlyZod() {
  return {
    name: 'english-only-zod',
    setup(build) {
      build.onResolve({ filter: /\/locales\/index\.(c?js)$/ }, args => args.importer.includes(`${path.sep}zod${path.sep}`)
        ? { path: path.join(path.dirname(args.importer), args.path.replace(/index\.(c?js)$/, 'en.$1')), namespace: 'zod-locales' } : undefined);
      build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, args => ({
        contents: `export { default as en } from ${JSON.stringify(args.path)};`, resolveDir: path.dirname(args.path), loader: 'js',
      }));
    },
  };
}

function prune(dir, keep) {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (fs.statSync(file).isDirectory()) {
      prune(file, keep);
      if (fs.readdirSync(file).length === 0) fs.rmdirSync(file);
    } else if (!keep.has(file)) {
      fs.rmSync(file);
    }
  }
}

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  run(process.execPath, [require.resolve('jsii/bin/jsii', { paths: [root] })]);
  await require('esbuild').build({
    entryPoints: [path.join(root, 'lib', 'index.ts')],
    outfile: path.join(out, 'mehdb-cdk8s.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: PEERS.flatMap(p => [p, `${p}/*`]),
    legalComments: 'inline',
    logLevel: 'warning',
    plugins: [englishOnlyZod()],
  });
  const keep = reachable(path.join(out, 'lib', 'index.d.ts'));
  keep.add(path.join(out, 'mehdb-cdk8s.js'));
  prune(out, keep);
  await writeApiReference();
}

main().catch(err => { console.error(err); process.exit(1); });


/**
 * API.md from the assembly. jsii-docgen looks for the dependencies' assemblies below the package
 * folder, and npm hoists them to the repository's node_modules: they are linked into a temporary
 * folder next to this package's assembly.
 */
async function writeApiReference() {
  const { Documentation, Language } = require(require.resolve('jsii-docgen', { paths: [root] }));
  const assemblies = fs.mkdtempSync(path.join(require('os').tmpdir(), 'mehdb-cdk8s-docgen-'));
  try {
    for (const peer of PEERS) {
      const dir = path.dirname(require.resolve(`${peer}/package.json`, { paths: [root] }));
      fs.mkdirSync(path.join(assemblies, peer));
      for (const f of fs.readdirSync(dir).filter(f => f.startsWith('.jsii'))) fs.symlinkSync(path.join(dir, f), path.join(assemblies, peer, f));
    }
    fs.mkdirSync(path.join(assemblies, 'mehdb-cdk8s'));
    fs.copyFileSync(path.join(here, '.jsii'), path.join(assemblies, 'mehdb-cdk8s', '.jsii'));
    const docs = await Documentation.forAssembly('mehdb-cdk8s', assemblies);
    const markdown = await docs.toMarkdown({ language: Language.TYPESCRIPT, readme: false, allSubmodules: true });
    fs.writeFileSync(path.join(here, 'API.md'), markdown.render());
  } finally {
    fs.rmSync(assemblies, { recursive: true, force: true });
  }
}
