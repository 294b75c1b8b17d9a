import { ServerResponse } from 'node:http';
import { Config } from '../config';
import { Leadership } from '../failover/leadership';
import { Logger } from '../log';

/**
 * What the HTTP handlers use of the store, and nothing more: `LogStore` provides it, and a
 * test or another engine can too.
 */
export interface KeyValueStore {
  /** Number of live keys. */
  readonly keyCount: number;
  /** Every live key, sorted. */
  keys(): string[];
  /** The value: at once from the cache, as a promise from disk, or undefined when absent. */
  get(key: string): Buffer | undefined | Promise<Buffer | undefined>;
  /** Stores the value; resolves with its sequence number once it is durable. */
  put(key: string, value: Buffer): Promise<number>;
  /** Deletes the key; resolves true once the deletion is durable, false when it was absent. */
  delete(key: string): Promise<boolean>;
  /** The sequence number of the key's last change (a deletion included; the horizon for an unknown key). */
  seqOf(key: string): number;
}

/** What the HTTP surface needs from the rest of the process. */
export interface HttpDeps {
  /** The limits the handlers enforce. */
  readonly config: Pick<Config, 'maxKeyBytes' | 'maxValueBytes'>;
  readonly store: KeyValueStore;
  readonly log: Logger;
  /** Who leads: ordinal 0 (MEHDB_FAILOVER=off) or the Lease holder. */
  readonly leadership: Leadership;
  shuttingDown(): boolean;
  /** GET /replication/changes, served by the replication module. */
  replicationChanges(res: ServerResponse, query: URLSearchParams): void;
  /** GET /replication/snapshot, served by the replication module. */
  replicationSnapshot(res: ServerResponse, query: URLSearchParams): void;
  /** POST /replication/fence (MEHDB_FAILOVER=lease only). */
  replicationFence(res: ServerResponse, query: URLSearchParams): void;
  /** The /metrics page. */
  metricsText(): string;
}
