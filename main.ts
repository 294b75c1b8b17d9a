// Entry point of the cdk8s app: config from the environment, the charts, synth. Wiring only.
// Bad input (a wrong config or prop) ends it with one line per problem on stderr and exit code 1;
// any other exception is a bug and keeps its stack.
import { buildApp } from './lib/app';
import { exitOnProblems, loadConfig } from './lib/config';

exitOnProblems(() => {
  const config = loadConfig(process.env, { tryBuild: c => { buildApp(c); } });
  buildApp(config).app.synth();
});
