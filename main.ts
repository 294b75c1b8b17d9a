// Entry point of the cdk8s app: config from the environment, the charts, synth, and the record of
// construct paths the validation plugin reports (.build/, not dist/). Wiring only.
import { buildApp } from './lib/app';
import { loadConfig } from './lib/config';
import { writeConstructPaths } from './lib/policy/write-construct-paths';

const { app } = buildApp(loadConfig(process.env));
app.synth();
writeConstructPaths(app, process.cwd());
