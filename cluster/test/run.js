#!/usr/bin/env node
// Runs the cluster tests (cluster/test/*.test.ts) with node's test runner against the cluster
// that cluster/test-cluster.sh started: esbuild bundles each file (packages stay external,
// no type-checking; `npm run typecheck` covers these files), then `node --test` runs them
// one file at a time, in name order, since they build on each other. The spec reporter writes
// to stdout and, when MEHDB_TEST_TAP names a file, the TAP reporter into it (test-cluster.sh
// counts the results from there).
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { bundle } = require('../../scripts/bundle');

const here = __dirname;
const out = path.join(here, '..', '..', '.build', 'cluster-test');
fs.rmSync(out, { recursive: true, force: true });
const only = process.argv[2];
const files = fs.readdirSync(here).filter((f) => f.endsWith('.test.ts') && (!only || f.includes(only))).sort();
bundle({ entryPoints: files.map((f) => path.join(here, f)), outdir: out, sourcemap: 'inline' });
const compiled = files.map((f) => path.join(out, f.replace(/\.ts$/, '.js')));
const tap = process.env.MEHDB_TEST_TAP;
const res = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  ...(tap ? ['--test-reporter=tap', `--test-reporter-destination=${tap}`] : []), ...compiled], { stdio: 'inherit' });
process.exit(res.status ?? 1);
