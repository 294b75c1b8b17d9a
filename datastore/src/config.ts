import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError } from './errors';

/** Log levels, lowest first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Ordinal 0 leads; every other pod follows. */
export type Role = 'leader' | 'follower';

/** Everything the server needs, read once from the environment and validated. */
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

/** Reads and validates the configuration. Throws ConfigError with a readable message. */
export function loadConfig(env: Env = process.env, hostname: string = os.hostname()): Config {
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

  const headersTimeoutMs = int(env, 'MEHDB_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = int(env, 'MEHDB_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(`MEHDB_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed MEHDB_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }
  const MiB = 1024 * 1024;
  const maxValueBytes = int(env, 'MEHDB_MAX_VALUE_BYTES', 4 * MiB, 1, 256 * MiB);
  return {
    host,
    role,
    port,
    bind,
    dataDir: path.resolve(str(env, 'MEHDB_DATADIR', './data')),
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
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: int(env, 'MEHDB_KEEPALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    shutdownTimeoutMs: int(env, 'MEHDB_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    replicationWaitMs: int(env, 'MEHDB_REPLICATION_WAIT_MS', 20_000, 10, 300_000),
    replicationBatch: int(env, 'MEHDB_REPLICATION_BATCH', 1000, 1, 100_000),
  };
}
