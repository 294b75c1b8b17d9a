#!/usr/bin/env node
// cdk8s.yaml's `app`: what `cdk8s synth` runs, with CDK8S_OUTDIR set. The same synth as
// `npm run synth`, adapted to what the CLI does with its output folder (lib/synth/commands.ts,
// cliTarget); messages on stderr, the only stream the CLI shows.
'use strict';
const { loadApp } = require('./app-bundle');

process.exitCode = loadApp().cdk8sAppCommand();
