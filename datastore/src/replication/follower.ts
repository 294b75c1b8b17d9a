import { Config } from '../config';
import { Logger, errText } from '../log';
import { MetricsSource, MetricsText } from '../metrics';
import { LogStore } from '../store/log-store';
import { PullFencing, Puller } from './puller';
import { WireError } from './wire';

/**
 * Pulls a leader's change stream into the local store: long-poll from the last applied seq
 * (which is durable in the store, so a restart resumes where it stopped), full snapshot when the
 * leader answers 409. Whom it follows can change (`follow`), or it can rest (`rest`) while this
 * replica leads.
 */
export class Follower implements MetricsSource {
  /** Pull counters and failures, for metrics and logs. */
  readonly stats = { rejected: 0, errors: 0 };
  private caughtUp = false;
  private stopped = false;
  private source: string | undefined;
  private loop: Promise<void> | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private failing = false;
  private readonly puller: Puller;

  constructor(
    private readonly config: Config,
    private readonly store: LogStore,
    private readonly log: Logger,
    fencing?: PullFencing,
  ) {
    this.puller = new Puller(config, store, log, fencing);
    this.source = config.failover ? undefined : config.leaderUrl;
  }

  /** Replication metrics of this follower. */
  describeMetrics(m: MetricsText): void {
    const f = this.puller.stats;
    m.metric('mehdb_replication_leader_seq', 'gauge', 'Leader seq last seen.', f.leaderSeq)
      .metric('mehdb_replication_lag_records', 'gauge', 'Leader seq minus applied seq.', Math.max(0, f.leaderSeq - this.store.committedSeq))
      .metric('mehdb_replication_records_applied_total', 'counter', 'Records applied from the leader.', f.recordsApplied)
      .metric('mehdb_replication_snapshots_installed_total', 'counter', 'Snapshots installed.', f.snapshots)
      .metric('mehdb_replication_errors_total', 'counter', 'Failed pulls.', this.stats.errors)
      .metric('mehdb_replication_rejected_total', 'counter', 'Responses rejected by validation.', this.stats.rejected)
      .metric('mehdb_replication_ready', 'gauge', '1 once caught up with the leader.', this.ready ? 1 : 0)
      .metric('mehdb_replication_last_contact_seconds', 'gauge', 'Seconds since the leader last answered; a long-poll answers at least every MEHDB_REPLICATION_WAIT_MS (-1: never).',
        f.lastContact ? Math.round((Date.now() - f.lastContact) / 100) / 10 : -1);
  }

  /** True once the follower has been level with the leader at least once since start. */
  get ready(): boolean {
    return this.caughtUp;
  }

  /** The pulls, for a new leader's catch-up from a peer (only while the follower rests). */
  get pulls(): Puller {
    return this.puller;
  }

  /** Starts pulling (after the server listens). */
  start(): void {
    this.loop = this.run();
  }

  /** Follows `url` from now on (the request in flight to another source is dropped). */
  follow(url: string): void {
    if (this.source === url) return;
    this.source = url;
    this.puller.abort();
    this.wakeUp();
  }

  /** Stops pulling until `follow` is called again; resolves once no pull is in flight. */
  async rest(): Promise<void> {
    this.source = undefined;
    this.puller.abort();
    this.wakeUp();
    await this.parked;
  }

  /** Stops pulling: aborts the request in flight and waits for the loop to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.puller.abort();
    this.wakeUp();
    await this.loop;
    this.puller.close();
  }

  private parked: Promise<void> = Promise.resolve();
  private unpark: (() => void) | undefined;

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      const source = this.source;
      if (!source) {
        this.unpark?.();
        await this.sleep(60_000);
        continue;
      }
      this.parked = new Promise((resolve) => (this.unpark = resolve));
      try {
        const outcome = await this.puller.pullOnce(source, this.caughtUp ? this.config.replicationWaitMs : 0);
        if (outcome === 'applied') this.pulled(source);
        else await this.notPulled(outcome);
        backoff = 100;
      } catch (err) {
        if (this.stopped) break;
        if (source === this.source) {
          this.failed(err);
          await this.sleep(backoff);
          backoff = Math.min(backoff * 2, 2000);
        }
      }
    }
    this.unpark?.();
  }

  private pulled(source: string): void {
    if (this.failing) this.log.info('replication resumed', { seq: this.store.committedSeq });
    this.failing = false;
    if (source === this.source && this.store.committedSeq >= this.puller.stats.leaderSeq && !this.caughtUp) {
      this.caughtUp = true;
      this.log.info('caught up with leader', { seq: this.store.committedSeq, keys: this.store.keyCount });
    }
  }

  /** Epochs differ (the elector's next read of the Lease says whom to follow) or a new leader is still catching up. */
  private async notPulled(outcome: 'epoch-conflict' | 'not-ready'): Promise<void> {
    await this.sleep(outcome === 'not-ready' ? 50 : this.config.failover?.retryPeriodMs ?? 1000);
  }

  private failed(err: unknown): void {
    this.stats.errors++;
    if (err instanceof WireError) this.stats.rejected++;
    if (!this.failing || err instanceof WireError) {
      this.log.warn('replication failed, retrying', { error: errText(err), seq: this.store.committedSeq });
    }
    this.failing = true;
  }

  private wakeUp(): void {
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}
