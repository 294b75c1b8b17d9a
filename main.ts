// Entry point of the cdk8s app: config from the environment, the charts, synth. Wiring only.
import { buildApp } from './lib/app';
import { loadConfig } from './lib/config';

buildApp(loadConfig(process.env)).app.synth();
