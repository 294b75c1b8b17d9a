import { Config } from '../config';

/** Why a consistent read cannot be answered here. */
export type ReadRefusal = 'not-leader' | 'unavailable';

/**
 * Who leads, as the HTTP surface needs it. Two implementations: `StaticLeadership` (ordinal 0
 * leads, MEHDB_FAILOVER=off, the course's behaviour) and `FailoverReplica` (a Lease decides).
 */
export interface Leadership {
  /** `leader` while this replica accepts writes, else `follower`. */
  role(): 'leader' | 'follower';
  /** Base URL of the leader when it is another replica; undefined when none is known. */
  leaderUrl(): string | undefined;
  /** A write is durable here at `seq`: resolves true once it may be acknowledged (200). */
  acknowledge(seq: number): Promise<boolean>;
  /**
   * A consistent read of data last written at `seq`: resolves once this replica may answer it
   * (it leads, its lease is certainly valid, and `seq` is acknowledged), or with why not.
   */
  readBarrier(seq: number): Promise<true | ReadRefusal>;
  /** Ready to serve reads (a follower: caught up once since start). */
  ready(): boolean;
}

/** MEHDB_FAILOVER=off: the pod with ordinal 0 leads, followers replicate asynchronously. */
export class StaticLeadership implements Leadership {
  constructor(
    private readonly config: Config,
    private readonly followerReady: () => boolean,
  ) {}

  role(): 'leader' | 'follower' {
    return this.config.role;
  }

  leaderUrl(): string | undefined {
    return this.config.leaderUrl;
  }

  acknowledge(): Promise<boolean> {
    return Promise.resolve(this.config.role === 'leader');
  }

  readBarrier(): Promise<true | ReadRefusal> {
    return Promise.resolve(this.config.role === 'leader' ? true : 'not-leader');
  }

  ready(): boolean {
    return this.config.role === 'leader' || this.followerReady();
  }
}
