// The construct library `mehdb-cdk8s` (packages/mehdb-cdk8s): what it exports, and all it exports.
// The app (main.ts, lib/charts) uses the constructs through this entry point too.
export * from './common/image-pull-policy';
export * from './common/probes';
export * from './common/resources';
export * from './common/scheduling';
export * from './mehdb';
export * from './monitoring';
export * from './nfs-provisioner';
