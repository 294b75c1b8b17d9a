/**
 * Kubernetes 1.27 L1 classes (KubeStatefulSet, KubeStorageClass, Quantity, IntOrString, ...).
 *
 * These are the classes `cdk8s import k8s@1.27.0` generates. That command downloads the schema
 * from GitHub, which is not reachable where this project is built, and cdk8s-plus-27 ships the
 * same generated module (its export list is identical), so this file re-exports it.
 * See README.md in this folder for how to regenerate it where GitHub is reachable.
 */
export * from 'cdk8s-plus-27/lib/imports/k8s';
