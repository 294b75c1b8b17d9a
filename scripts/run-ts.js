#!/usr/bin/env node
// Runs a TypeScript entry point of this project without type-checking it:
//   node scripts/run-ts.js main.ts            (what cdk8s.yaml's `app` runs for `cdk8s synth`)
//   node scripts/run-ts.js scripts/helm.ts ...
// esbuild bundles the file and what it imports from lib/ into .build/<name>.js (tens of
// milliseconds; packages stay external), then node runs it with the remaining arguments.
// Type errors are caught by `npm run typecheck`, which `npm test` runs first. The bundle has a
// source map and source maps are on, so a stack trace points at main.ts and lib/*.ts.
'use strict';
const path = require('path');
const { bundle } = require('./bundle');

const [entry, ...args] = process.argv.slice(2);
if (!entry || !entry.endsWith('.ts')) {
  console.error('usage: node scripts/run-ts.js <file.ts> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', path.basename(entry, '.ts') + '.js');
bundle({ entryPoints: [path.resolve(root, entry)], outfile, sourcemap: 'linked', sourcesContent: false });
// As `node --enable-source-maps`, for the bundle loaded below (and nothing loaded before it).
process.setSourceMapsEnabled(true);
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
