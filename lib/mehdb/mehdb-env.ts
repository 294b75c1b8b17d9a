/** Labels the construct sets on the pods and the Service: the selectors and the NetworkPolicy use them. */
export const OWNED_LABELS = ['app', 'app.kubernetes.io/name', 'app.kubernetes.io/component'];
/** The annotations `scrapeAnnotations` writes on the pods. */
export const SCRAPE_ANNOTATIONS = ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path'];
/** The variables the construct sets, each with the setting that drives it. */
export const OWNED_ENV: Readonly<Record<string, string>> = {
  MEHDB_DATADIR: 'mehdb.dataPath',
  MEHDB_PORT: 'mehdb.port',
  MEHDB_NAMESPACE: 'the namespace (it is read from the pod)',
  MEHDB_SERVICE: 'mehdb.name (the headless Service)',
  MEHDB_LEADER_URL: 'mehdb.name, mehdb.port or mehdb.clusterDomain (it is derived from them: Mehdb.leaderUrl)',
  MEHDB_HOST: 'nothing: it is the pod name (with failover, from the downward API)',
  MEHDB_CLUSTER_DOMAIN: 'mehdb.clusterDomain',
  MEHDB_REPLICAS: 'mehdb.replicas',
  MEHDB_FAILOVER: 'mehdb.failover.enabled',
  MEHDB_SYNC_ACKS: 'mehdb.failover.syncAcks',
  MEHDB_SYNC_TIMEOUT_MS: 'mehdb.failover.syncTimeoutSeconds',
  MEHDB_SOLO: 'mehdb.failover.solo',
  MEHDB_LEASE_NAME: 'mehdb.failover.leaseName',
  MEHDB_LEASE_DURATION_MS: 'mehdb.failover.leaseDurationSeconds',
  MEHDB_RENEW_DEADLINE_MS: 'mehdb.failover.renewDeadlineSeconds',
  MEHDB_RETRY_PERIOD_MS: 'mehdb.failover.retryPeriodSeconds',
};
/** The datastore's own default of MEHDB_SHUTDOWN_TIMEOUT_MS (datastore/README.md, Configuration). */
export const DATASTORE_SHUTDOWN_TIMEOUT_MS = 10000;

/** Milliseconds of a duration in seconds, as the datastore's `*_MS` variables take them. */
export function toMilliseconds(seconds: number): number {
  return Math.round(seconds * 1000);
}
