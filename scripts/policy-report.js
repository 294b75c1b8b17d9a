#!/usr/bin/env node
// npm run policy:report [-- --no-kube-score]: every policy finding on the manifests of the config
// (MEHDB_PRESET, MEHDB_CONFIG), the project's rules and kube-score's, with the fixes. Writes no
// manifest. lib/synth/policy-report.ts is the code.
'use strict';
const { loadApp, root } = require('./app-bundle');

process.exitCode = loadApp().policyReportCommand(process.argv.slice(2), root);
