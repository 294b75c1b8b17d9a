#!/usr/bin/env node
// npm run synth [-- options] (--help lists them): the manifests of the config (MEHDB_PRESET,
// MEHDB_CONFIG) into dist/, or --output DIR, or --stdout. The config is checked, the charts are
// synthesized into a folder beside the target and the policy is evaluated on them; only when all
// of that succeeded does the new folder replace the target. Prints the files written and one
// policy line (the full report on failure or with --verbose). lib/synth/ is the code.
'use strict';
const { loadApp } = require('./app-bundle');

process.exitCode = loadApp().synthCommand(process.argv.slice(2));
