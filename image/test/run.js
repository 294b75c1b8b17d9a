#!/usr/bin/env node
// Runs the image checks (image/test/*.test.ts) with node's test runner against the builds and
// the registry that image/test.sh made: esbuild bundles each file (scripts/bundle.js: packages
// stay external, no type-checking), then `node --test` runs them one file at a time, in name
// order, with the spec reporter on stdout and, when MEHDB_TEST_TAP names a file, the TAP
// reporter into it (image/test.sh counts the results from there).
//
// Usage: node image/test/run.js [PATTERN]   only the checks whose name matches PATTERN (a
//                                           regular expression) run; the others count as skipped
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { bundle } = require('../../scripts/bundle');

const here = __dirname;
const out = path.join(here, '..', '..', '.build', 'image-test');
fs.rmSync(out, { recursive: true, force: true });
const pattern = process.argv[2];
const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.ts')).sort();
bundle({ entryPoints: files.map((f) => path.join(here, f)), outdir: out, sourcemap: 'inline' });
const tap = process.env.MEHDB_TEST_TAP;
const res = spawnSync(process.execPath, [
  '--enable-source-maps', '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  ...(tap ? ['--test-reporter=tap', `--test-reporter-destination=${tap}`] : []),
  ...(pattern ? [`--test-name-pattern=${pattern}`] : []),
  ...files.map((f) => path.join(out, f.replace(/\.ts$/, '.js'))),
], { stdio: 'inherit' });
process.exit(res.status ?? 1);
