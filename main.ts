// The app's entry points, bundled into .build/main.js by scripts/app-bundle.js (rebuilt only when
// a source changed) and called by three small launchers:
//   scripts/synth.js           npm run synth [-- options]          synthCommand
//   scripts/cdk8s-app.js       cdk8s.yaml `app` (cdk8s synth)       cdk8sAppCommand
//   scripts/policy-report.js   npm run policy:report               policyReportCommand
// Wiring only: the environment is read by lib/config (loadConfig, outputSettings), the synth is
// lib/synth/run.ts (config → charts → policy → manifests), the charts lib/app.ts.
export { cdk8sAppCommand, synthCommand } from './lib/synth/commands';
export { policyReportCommand } from './lib/synth/policy-report';
