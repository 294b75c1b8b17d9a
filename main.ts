// Entry point of the cdk8s app: config from the environment, the charts, synth, and the record the
// validation plugin reads (construct paths, objects as JSON; .build/, not dist/). Wiring only.
// Bad input (a wrong config or prop) ends it with one line per problem on stderr and exit code 1;
// any other exception is a bug and keeps its stack.
import { buildApp } from './lib/app';
import { exitOnProblems, loadConfig } from './lib/config';
import { writeSynthRecord } from './lib/policy/write-synth-record';

exitOnProblems(() => {
  const config = loadConfig(process.env);
  const { app } = buildApp(config);
  app.synth();
  writeSynthRecord(app, process.cwd());
});
