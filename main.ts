// Entry point of the cdk8s app: config from the environment, the charts, synth, and the record the
// validation plugin reads (construct paths, objects as JSON; .build/, not dist/). Wiring only.
import { buildApp } from './lib/app';
import { loadConfig } from './lib/config';
import { writeSynthRecord } from './lib/policy/write-synth-record';

const { app } = buildApp(loadConfig(process.env));
app.synth();
writeSynthRecord(app, process.cwd());
