/**
 * The one table of the datastore's settings: each environment variable that `loadConfig` reads,
 * its command-line flag, default and meaning. `mehdb --help` and the configuration table of
 * datastore/README.md are both generated from it (src/cli-help.ts), and test/cli.test.ts checks
 * that every variable `loadConfig` reads is here. Text is Markdown (backticks only).
 */

/** How a flag takes its value. */
export type FlagKind =
  /** `--port 9876` or `--port=9876`. */
  | 'value'
  /** `--solo` (true), `--solo=true` or `--solo=false`. */
  | 'boolean'
  /** `--local` alone: sets the variable to `1` (any non-empty value switches it on). */
  | 'switch';

/** Where a setting is listed in `--help`. */
export type SettingGroup = 'Server' | 'Storage' | 'HTTP timeouts' | 'Replication' | 'Failover (--failover lease)';

/** One setting: an environment variable and the flag that sets it. */
export interface Setting {
  /** The environment variable `loadConfig` reads. */
  readonly env: string;
  /** The command-line flag; given, it wins over the environment. */
  readonly flag: string;
  readonly kind: FlagKind;
  /** Placeholder for the value in `--help` (value flags only). */
  readonly arg?: string;
  readonly group: SettingGroup;
  /** The default, in Markdown. */
  readonly default: string;
  /** What it does, in Markdown: one paragraph. */
  readonly doc: string;
}

const S = 'Server';
const D = 'Storage';
const T = 'HTTP timeouts';
const R = 'Replication';
const F = 'Failover (--failover lease)';

/** Every setting, in the order `--help` and the README list them. */
export const SETTINGS: readonly Setting[] = [
  { env: 'MEHDB_DATADIR', flag: '--data-dir', kind: 'value', arg: 'DIR', group: S, default: 'none (required)', doc: 'data directory, created if missing; nothing is written elsewhere. Without it mehdb refuses to start (exit 2) rather than write into the current directory. The container image and the StatefulSet set `/mehdbdata`' },
  { env: 'MEHDB_HOST', flag: '--host', kind: 'value', arg: 'NAME', group: S, default: 'the OS host name (the pod name)', doc: '`<name>-<ordinal>`: ordinal 0 is the leader, others follow. A name without an ordinal runs as a standalone leader' },
  { env: 'MEHDB_PORT', flag: '--port', kind: 'value', arg: 'PORT', group: S, default: '`9876`', doc: 'listen port; also the leader\'s port in the derived leader URL' },
  { env: 'MEHDB_BIND', flag: '--bind', kind: 'value', arg: 'ADDRESS', group: S, default: '`0.0.0.0`', doc: 'listen address. The API has no authentication: use `127.0.0.1` on a machine you share' },
  { env: 'MEHDB_NAMESPACE', flag: '--namespace', kind: 'value', arg: 'NAME', group: S, default: '`default`', doc: 'namespace, for the derived leader and peer URLs and the Lease' },
  { env: 'MEHDB_SERVICE', flag: '--service', kind: 'value', arg: 'NAME', group: S, default: 'the StatefulSet name (host name without `-<ordinal>`)', doc: 'headless Service name, for the derived leader and peer URLs' },
  { env: 'MEHDB_LOG_LEVEL', flag: '--log-level', kind: 'value', arg: 'LEVEL', group: S, default: '`info`', doc: '`debug`, `info`, `warn`, `error`. No line per request except at `debug`; requests are counted in `/metrics`' },
  { env: 'MEHDB_MAX_KEY_BYTES', flag: '--max-key-bytes', kind: 'value', arg: 'N', group: D, default: '`256`', doc: 'longer keys: `413`' },
  { env: 'MEHDB_MAX_VALUE_BYTES', flag: '--max-value-bytes', kind: 'value', arg: 'N', group: D, default: '`4194304` (4 MiB)', doc: 'larger values: `413`' },
  { env: 'MEHDB_CACHE_BYTES', flag: '--cache-bytes', kind: 'value', arg: 'N', group: D, default: '`67108864` (64 MiB)', doc: 'value cache (LRU); `0` disables it' },
  { env: 'MEHDB_SEGMENT_BYTES', flag: '--segment-bytes', kind: 'value', arg: 'N', group: D, default: '`67108864` (64 MiB)', doc: 'a log segment is sealed past this size' },
  { env: 'MEHDB_COMPACT_RATIO', flag: '--compact-ratio', kind: 'value', arg: 'R', group: D, default: '`0.5`', doc: 'compact sealed segments once their dead bytes exceed this share (and `--compact-min-bytes`)' },
  { env: 'MEHDB_COMPACT_MIN_BYTES', flag: '--compact-min-bytes', kind: 'value', arg: 'N', group: D, default: '`16777216` (16 MiB)', doc: '... and at least this many dead bytes' },
  { env: 'MEHDB_HEADERS_TIMEOUT_MS', flag: '--headers-timeout-ms', kind: 'value', arg: 'MS', group: T, default: '`10000`', doc: 'time to receive request headers (also closes idle new connections)' },
  { env: 'MEHDB_REQUEST_TIMEOUT_MS', flag: '--request-timeout-ms', kind: 'value', arg: 'MS', group: T, default: '`30000`', doc: 'time to receive a whole request' },
  { env: 'MEHDB_KEEPALIVE_TIMEOUT_MS', flag: '--keepalive-timeout-ms', kind: 'value', arg: 'MS', group: T, default: '`5000`', doc: 'idle keep-alive connections' },
  { env: 'MEHDB_SHUTDOWN_TIMEOUT_MS', flag: '--shutdown-timeout-ms', kind: 'value', arg: 'MS', group: T, default: '`10000`', doc: 'longest wait for in-flight requests at SIGTERM' },
  { env: 'MEHDB_LEADER_URL', flag: '--leader-url', kind: 'value', arg: 'URL', group: R, default: '`http://<sts>-0.<service>.<namespace>.svc.cluster.local:<port>`', doc: 'where a follower finds the leader (`http://` only)' },
  { env: 'MEHDB_LOCAL', flag: '--local', kind: 'switch', group: R, default: 'unset', doc: 'upstream\'s local-testing switch: without `--leader-url`, a follower\'s leader is `http://localhost:9999`' },
  { env: 'MEHDB_REPLICATION_WAIT_MS', flag: '--replication-wait-ms', kind: 'value', arg: 'MS', group: R, default: '`20000`', doc: 'how long the leader holds a change-stream long-poll' },
  { env: 'MEHDB_REPLICATION_BATCH', flag: '--replication-batch', kind: 'value', arg: 'N', group: R, default: '`1000`', doc: 'most records per change-stream response (also capped at 4 MiB)' },
  { env: 'MEHDB_FAILOVER', flag: '--failover', kind: 'value', arg: 'MODE', group: F, default: '`off`', doc: '`off`: ordinal 0 leads, followers pull asynchronously (upstream\'s model). `lease`: leader election through a Kubernetes Lease, fencing and synchronous acknowledgement (the settings below)' },
  { env: 'MEHDB_REPLICAS', flag: '--replicas', kind: 'value', arg: 'N', group: F, default: '`1`', doc: 'the StatefulSet\'s replica count: the voting peers are ordinals `0..N-1`; a pod beyond them is a read replica' },
  { env: 'MEHDB_SYNC_ACKS', flag: '--sync-acks', kind: 'value', arg: 'N', group: F, default: '`1` (`0` with one replica)', doc: 'followers of the current epoch that must hold a write before `200`; 1 to N-1' },
  { env: 'MEHDB_SYNC_TIMEOUT_MS', flag: '--sync-timeout-ms', kind: 'value', arg: 'MS', group: F, default: '`2000`', doc: 'how long a write waits for them before `503` (outcome unknown)' },
  { env: 'MEHDB_SOLO', flag: '--solo', kind: 'boolean', group: F, default: '`false`', doc: 'let the leader record solo mode in the Lease and acknowledge alone when no follower answers' },
  { env: 'MEHDB_LEASE_NAME', flag: '--lease-name', kind: 'value', arg: 'NAME', group: F, default: '`<sts>-leader`', doc: 'the `coordination.k8s.io/v1` Lease in the namespace' },
  { env: 'MEHDB_LEASE_DURATION_MS', flag: '--lease-duration-ms', kind: 'value', arg: 'MS', group: F, default: '`5000`', doc: 'client-go\'s lease duration; must exceed the renew deadline' },
  { env: 'MEHDB_RENEW_DEADLINE_MS', flag: '--renew-deadline-ms', kind: 'value', arg: 'MS', group: F, default: '`3000`', doc: 'client-go\'s renew deadline; must exceed 1.2 x the retry period' },
  { env: 'MEHDB_RETRY_PERIOD_MS', flag: '--retry-period-ms', kind: 'value', arg: 'MS', group: F, default: '`1000`', doc: 'client-go\'s retry period' },
  { env: 'MEHDB_CLUSTER_DOMAIN', flag: '--cluster-domain', kind: 'value', arg: 'DOMAIN', group: F, default: '`cluster.local`', doc: 'peers are `http://<sts>-<i>.<service>.<namespace>.svc.<domain>:<port>`' },
  { env: 'MEHDB_PEERS', flag: '--peers', kind: 'value', arg: 'LIST', group: F, default: 'derived', doc: 'explicit peers, `name=url,...` (tests)' },
  { env: 'MEHDB_KUBE_API', flag: '--kube-api', kind: 'value', arg: 'URL', group: F, default: '`https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`', doc: 'the API server, `https://host[:port]`. In a pod Kubernetes sets the two variables of the default' },
  { env: 'MEHDB_KUBE_TOKEN_FILE', flag: '--kube-token-file', kind: 'value', arg: 'FILE', group: F, default: '`/var/run/secrets/kubernetes.io/serviceaccount/token`', doc: 'the ServiceAccount token for the API server' },
  { env: 'MEHDB_KUBE_CA_FILE', flag: '--kube-ca-file', kind: 'value', arg: 'FILE', group: F, default: '`/var/run/secrets/kubernetes.io/serviceaccount/ca.crt`', doc: 'the CA that signed the API server\'s certificate' },
];

/**
 * Variables `loadConfig` also reads that have no flag of their own: Kubernetes sets them in
 * every pod, and `--kube-api` replaces both.
 */
export const KUBERNETES_VARIABLES: readonly string[] = ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'];

/** The flag that sets an environment variable (for messages); throws for an unknown variable. */
export function flagOf(env: string): string {
  const s = SETTINGS.find((x) => x.env === env);
  if (!s) throw new Error(`no setting for ${env}`);
  return s.flag;
}
