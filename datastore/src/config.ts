import * as os from 'node:os';
import * as path from 'node:path';
import { flagOf } from './cli-settings';
import { ConfigError } from './errors';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Ordinal 0 leads; every other pod follows. */
export type Role = 'leader' | 'follower';

/** Everything the server needs, read once from the environment and the flags, and validated. */
export interface Config {
  readonly host: string;
  readonly role: Role;
  readonly port: number;
  readonly bind: string;
  readonly dataDir: string;
  readonly namespace: string;
  readonly service: string;
  /** Base URL of the leader (no trailing slash); undefined on the leader itself. */
  readonly leaderUrl: string | undefined;
  readonly logLevel: LogLevel;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  readonly cacheBytes: number;
  readonly segmentBytes: number;
  /** Compact once dead bytes exceed this fraction of the sealed segments. */
  readonly compactRatio: number;
  /** ... and at least this many dead bytes. */
  readonly compactMinBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  /** How long the leader holds a replication long-poll open. */
  readonly replicationWaitMs: number;
  /** Most records per replication batch. */
  readonly replicationBatch: number;
  /** Leader election and synchronous replication; undefined when MEHDB_FAILOVER is `off`. */
  readonly failover: FailoverConfig | undefined;
}

/** MEHDB_FAILOVER=lease: who leads is decided by a Lease, and writes wait for followers. */
export interface FailoverConfig {
  /** Replicas of the StatefulSet (MEHDB_REPLICAS); the peers are ordinals 0..replicas-1. */
  readonly replicas: number;
  /** This pod's ordinal. */
  readonly ordinal: number;
  /**
   * Ordinal below `replicas`: it may lead and its acknowledgements count. A pod beyond them
   * (`kubectl scale` past the setting) only replicates: reads, never elected, never counted.
   */
  readonly voter: boolean;
  /** Voting peer pod name -> base URL (ordinals below `replicas`, this one included when it votes). */
  readonly peers: ReadonlyMap<string, string>;
  /** Followers of the current epoch that must hold a write before it is acknowledged. */
  readonly syncAcks: number;
  /** How long a write waits for those acknowledgements before 503. */
  readonly syncTimeoutMs: number;
  /** May the leader record solo mode and acknowledge alone when no follower answers? */
  readonly solo: boolean;
  readonly leaseName: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** The API server: base URL, bearer token file, CA file. */
  readonly kubeApi: { readonly url: string; readonly tokenFile: string; readonly caFile: string };
}

export { ConfigError } from './errors';

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw.trim())) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return n;
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a number between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Splits a StatefulSet pod name `<sts>-<ordinal>`; undefined when the name has no ordinal. */
export function parsePodName(host: string): { statefulSet: string; ordinal: number } | undefined {
  const m = /^(.+)-([0-9]+)$/.exec(host.split('.')[0]); // a fully qualified name counts by its first label
  if (!m) return undefined;
  return { statefulSet: m[1], ordinal: Number(m[2]) };
}

function validUrl(name: string, raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:') throw new ConfigError(`${name} must be an http:// URL, got ${JSON.stringify(raw)}`);
  if (u.search || u.hash || u.username || u.password) {
    throw new ConfigError(`${name} must not carry credentials, a query or a fragment`);
  }
  return u.origin + u.pathname.replace(/\/+$/, '');
}

/** Where a follower finds its leader: MEHDB_LEADER_URL, upstream's MEHDB_LOCAL, or pod 0 of the StatefulSet. */
function followerLeaderUrl(env: Env, statefulSet: string, service: string, namespace: string, port: number): string {
  const explicit = env.MEHDB_LEADER_URL;
  if (explicit) return validUrl('MEHDB_LEADER_URL', explicit);
  if (env.MEHDB_LOCAL) return 'http://localhost:9999'; // upstream's local-testing switch
  return `http://${statefulSet}-0.${service}.${namespace}.svc.cluster.local:${port}`;
}

function logLevel(env: Env): LogLevel {
  const level = str(env, 'MEHDB_LOG_LEVEL', 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`MEHDB_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  return level as LogLevel;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The API server as seen from a pod, or as MEHDB_KUBE_API / _TOKEN_FILE / _CA_FILE say. */
function kubeApi(env: Env): FailoverConfig['kubeApi'] {
  let url = env.MEHDB_KUBE_API;
  if (!url) {
    const host = env.KUBERNETES_SERVICE_HOST;
    if (!host) throw new ConfigError('MEHDB_FAILOVER=lease needs the API server: KUBERNETES_SERVICE_HOST (set in every pod) or MEHDB_KUBE_API');
    url = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || '443'}`;
  }
  if (!/^https:\/\/[^/?#]+$/.test(url)) throw new ConfigError(`MEHDB_KUBE_API must be https://host[:port], got ${JSON.stringify(url)}`);
  return { url, tokenFile: str(env, 'MEHDB_KUBE_TOKEN_FILE', `${SA_DIR}/token`), caFile: str(env, 'MEHDB_KUBE_CA_FILE', `${SA_DIR}/ca.crt`) };
}

/** The voting peers (ordinals below `replicas`): MEHDB_PEERS (`name=url,...`) or the StatefulSet's stable DNS names. */
function peerUrls(env: Env, statefulSet: string, replicas: number, base: { service: string; namespace: string; port: number }): Map<string, string> {
  const peers = new Map<string, string>();
  const explicit = env.MEHDB_PEERS;
  if (explicit) {
    for (const part of explicit.split(',')) {
      const [name, url] = part.split('=');
      if (!name || !url || !parsePodName(name)) throw new ConfigError(`MEHDB_PEERS must be name=url pairs separated by commas, got ${JSON.stringify(part)}`);
      if (parsePodName(name.trim())!.ordinal < replicas) peers.set(name.trim(), validUrl('MEHDB_PEERS', url.trim()));
    }
  }
  const domain = str(env, 'MEHDB_CLUSTER_DOMAIN', 'cluster.local');
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(domain)) throw new ConfigError(`MEHDB_CLUSTER_DOMAIN must be a DNS name, got ${JSON.stringify(domain)}`);
  for (let i = 0; i < replicas; i++) {
    const name = `${statefulSet}-${i}`;
    if (!peers.has(name)) peers.set(name, `http://${name}.${base.service}.${base.namespace}.svc.${domain}:${base.port}`);
  }
  return peers;
}

function bool(env: Env, name: string): boolean {
  const raw = str(env, name, 'false').toLowerCase();
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
  return raw === 'true';
}

/** MEHDB_FAILOVER and its settings; undefined when it is off (ordinal 0 leads). */
function failoverConfig(env: Env, host: string, base: { service: string; namespace: string; port: number }): FailoverConfig | undefined {
  const mode = str(env, 'MEHDB_FAILOVER', 'off');
  if (mode === 'off') return undefined;
  if (mode !== 'lease') throw new ConfigError(`MEHDB_FAILOVER must be lease or off, got ${JSON.stringify(mode)}`);
  const pod = parsePodName(host);
  if (!pod) throw new ConfigError(`MEHDB_FAILOVER=lease needs MEHDB_HOST to be a StatefulSet pod name <name>-<ordinal>, got ${JSON.stringify(host)}`);
  const replicas = int(env, 'MEHDB_REPLICAS', 1, 1, 99);
  const syncAcks = int(env, 'MEHDB_SYNC_ACKS', replicas > 1 ? 1 : 0, 0, 98);
  if (syncAcks > replicas - 1 || (syncAcks === 0 && replicas > 1)) {
    throw new ConfigError(`MEHDB_SYNC_ACKS must be between 1 and MEHDB_REPLICAS - 1 (${replicas - 1}), got ${syncAcks}`);
  }
  const leaseDurationMs = int(env, 'MEHDB_LEASE_DURATION_MS', 5_000, 100, 600_000);
  const renewDeadlineMs = int(env, 'MEHDB_RENEW_DEADLINE_MS', 3_000, 50, 600_000);
  const retryPeriodMs = int(env, 'MEHDB_RETRY_PERIOD_MS', 1_000, 10, 600_000);
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > 1.2 * retryPeriodMs)) {
    throw new ConfigError(`lease timings must satisfy MEHDB_LEASE_DURATION_MS (${leaseDurationMs}) > MEHDB_RENEW_DEADLINE_MS (${renewDeadlineMs}) > 1.2 x MEHDB_RETRY_PERIOD_MS (${retryPeriodMs})`);
  }
  const leaseName = str(env, 'MEHDB_LEASE_NAME', `${pod.statefulSet}-leader`);
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(leaseName)) throw new ConfigError(`MEHDB_LEASE_NAME must be a DNS subdomain name, got ${JSON.stringify(leaseName)}`);
  return {
    replicas,
    ordinal: pod.ordinal,
    voter: pod.ordinal < replicas,
    peers: peerUrls(env, pod.statefulSet, replicas, base),
    syncAcks,
    syncTimeoutMs: int(env, 'MEHDB_SYNC_TIMEOUT_MS', 2_000, 10, 600_000),
    solo: bool(env, 'MEHDB_SOLO'),
    leaseName,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    kubeApi: kubeApi(env),
  };
}

/**
 * The process's configuration: its environment, with the command-line flags (already turned into
 * variable -> value by `parseCommandLine`) winning. The only place that reads `process.env`;
 * everything else receives the Config.
 */
export function loadProcessConfig(flags: Readonly<Env>): Config {
  return loadConfig({ ...process.env, ...flags });
}

/** The data directory, absolute; required, so that nothing lands in the current directory unasked. */
function dataDir(env: Env): string {
  const dir = str(env, 'MEHDB_DATADIR', '');
  if (!dir) throw new ConfigError(`no data directory: set MEHDB_DATADIR or pass ${flagOf('MEHDB_DATADIR')} DIR (mehdb --help)`);
  return path.resolve(dir);
}

/** The HTTP server's timeouts; headers must not take longer than the whole request. */
function httpTimeouts(env: Env): Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'shutdownTimeoutMs'> {
  const headersTimeoutMs = int(env, 'MEHDB_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = int(env, 'MEHDB_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`MEHDB_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed MEHDB_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: int(env, 'MEHDB_KEEPALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    shutdownTimeoutMs: int(env, 'MEHDB_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
  };
}

/** Validates a configuration given as environment variables. Throws ConfigError with a readable message. */
export function loadConfig(env: Env, hostname: string = os.hostname()): Config {
  const dir = dataDir(env);
  const host = str(env, 'MEHDB_HOST', hostname).trim();
  if (!host || host.length > 253 || !/^[A-Za-z0-9.-]+$/.test(host)) {
    throw new ConfigError(`MEHDB_HOST must be a host name, got ${JSON.stringify(host)}`);
  }
  const port = int(env, 'MEHDB_PORT', 9876, 1, 65535);
  const bind = str(env, 'MEHDB_BIND', '0.0.0.0');
  if (!/^[0-9A-Za-z.:-]+$/.test(bind)) throw new ConfigError(`MEHDB_BIND must be an address, got ${JSON.stringify(bind)}`);
  const namespace = str(env, 'MEHDB_NAMESPACE', 'default');
  if (!DNS_LABEL.test(namespace)) throw new ConfigError(`MEHDB_NAMESPACE must be a DNS label, got ${JSON.stringify(namespace)}`);

  const pod = parsePodName(host);
  // A pod whose ordinal is 0 leads; a host name without an ordinal runs standalone, as a leader.
  const role: Role = pod === undefined || pod.ordinal === 0 ? 'leader' : 'follower';
  const service = str(env, 'MEHDB_SERVICE', pod ? pod.statefulSet : 'mehdb');
  if (!DNS_LABEL.test(service)) throw new ConfigError(`MEHDB_SERVICE must be a DNS label, got ${JSON.stringify(service)}`);

  const leaderUrl = role === 'follower' ? followerLeaderUrl(env, pod!.statefulSet, service, namespace, port) : undefined;
  const level = logLevel(env);

  const MiB = 1024 * 1024;
  const maxValueBytes = int(env, 'MEHDB_MAX_VALUE_BYTES', 4 * MiB, 1, 256 * MiB);
  const failover = failoverConfig(env, host, { service, namespace, port });
  return {
    host,
    role,
    port,
    bind,
    dataDir: dir,
    namespace,
    service,
    leaderUrl,
    logLevel: level,
    maxKeyBytes: int(env, 'MEHDB_MAX_KEY_BYTES', 256, 1, 4096),
    maxValueBytes,
    cacheBytes: int(env, 'MEHDB_CACHE_BYTES', 64 * MiB, 0, 64 * 1024 * MiB),
    segmentBytes: int(env, 'MEHDB_SEGMENT_BYTES', 64 * MiB, 64 * 1024, 4096 * MiB),
    compactRatio: num(env, 'MEHDB_COMPACT_RATIO', 0.5, 0.05, 0.95),
    compactMinBytes: int(env, 'MEHDB_COMPACT_MIN_BYTES', 16 * MiB, 0, Number.MAX_SAFE_INTEGER),
    ...httpTimeouts(env),
    replicationWaitMs: int(env, 'MEHDB_REPLICATION_WAIT_MS', 20_000, 10, 300_000),
    replicationBatch: int(env, 'MEHDB_REPLICATION_BATCH', 1000, 1, 100_000),
    failover,
  };
}
