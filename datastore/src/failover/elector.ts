import { FailoverConfig } from '../config';
import { Logger, errText } from '../log';
import { CONFLICT, LeaseClient, LeaseRecord } from './lease-client';

/** What the elector needs from the replica it elects for. */
export interface ElectorHost {
  /** This pod's name: the Lease's holder identity. */
  readonly me: string;
  /** May this replica take the Lease at all? */
  readonly voter: boolean;
  /** The highest epoch this replica has accepted (durable). */
  epoch(): number;
  /** True while this replica leads or is taking over (it renews the Lease). */
  leading(): boolean;
  /** Someone else holds the Lease (or nobody, holder ''), as last read. */
  observed(lease: LeaseRecord): void;
  /** This replica won the Lease with `lease.epoch`: take over. */
  acquired(lease: LeaseRecord): void;
  /** This replica can no longer be sure it holds the Lease. */
  lost(reason: string): void;
}

/**
 * Leader election on a Lease with client-go's semantics: every write is a compare-and-swap on
 * resourceVersion; a candidate takes over only after the record has not changed for the lease
 * duration on its own monotonic clock; the holder renews every retry period and gives up when
 * it could not renew within the renew deadline. Each takeover writes a new epoch, higher than
 * any this replica or the Lease has seen. While the Lease records solo mode nobody takes over.
 */
export class Elector {
  private observedRv = '';
  private observedAt = 0;
  private current: LeaseRecord | undefined;
  /** Monotonic time at which the last successful renewal was sent. */
  private renewedAt = -Infinity;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private failing = false;

  constructor(
    private readonly cfg: FailoverConfig,
    private readonly client: LeaseClient,
    private readonly host: ElectorHost,
    private readonly log: Logger,
  ) {}

  /** Starts the loop. */
  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      void this.serial(() => this.tryAcquireOrRenew()).finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.cfg.retryPeriodMs);
      });
    };
    tick();
  }

  /**
   * True while this replica certainly holds the Lease: its last renewal was sent less than the
   * renew deadline ago. Others wait the longer lease duration, from when they saw it change.
   */
  holdsLease(): boolean {
    return this.host.leading() && performance.now() - this.renewedAt < this.cfg.renewDeadlineMs;
  }

  /** The Lease as last read or written. */
  get lease(): LeaseRecord | undefined {
    return this.current;
  }

  /** Writes a new epoch (or solo mode) into the Lease this replica holds; false if it lost it. */
  rewrite(change: { epoch?: number; solo?: boolean }): Promise<boolean> {
    return this.serial(async () => {
      const prev = this.current;
      if (!prev || prev.holder !== this.host.me) return false;
      const sent = performance.now();
      const next = await this.client.update(prev, { ...prev, ...change }, this.cfg.renewDeadlineMs).catch(() => undefined);
      if (!next || next === CONFLICT) return false;
      this.remember(next, sent);
      return true;
    });
  }

  /** Gives the Lease up (holder '') while the loop goes on: a voter, maybe this one, takes over in a higher epoch. */
  release(): Promise<void> {
    return this.serial(async () => {
      const prev = this.current;
      // In solo mode no follower may take over: keep the Lease, the next tick takes it back in a higher epoch.
      if (!prev || prev.holder !== this.host.me || prev.solo) return;
      const next = await this.client.update(prev, { ...prev, holder: '' }, this.cfg.retryPeriodMs).catch(() => undefined);
      if (next && next !== CONFLICT) this.current = next;
    });
  }

  /** Stops the loop; when this replica holds the Lease, releases it so a follower can take over at once. */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.serial(async () => {
      const prev = this.current;
      if (!release || !prev || prev.holder !== this.host.me) return;
      await this.client.update(prev, { ...prev, holder: '', solo: false }, this.cfg.retryPeriodMs).catch(() => undefined);
    });
    this.client.close();
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const sent = performance.now();
    let lease: LeaseRecord | undefined;
    try {
      lease = await this.client.get(this.cfg.retryPeriodMs);
    } catch (err) {
      return this.failed(err);
    }
    if (this.failing) this.log.info('lease requests succeed again');
    this.failing = false;
    if (!lease) return this.host.voter ? this.takeOver(undefined) : undefined;
    if (lease.resourceVersion !== this.observedRv) {
      this.observedRv = lease.resourceVersion;
      this.observedAt = performance.now();
    }
    this.current = lease;
    if (lease.holder === this.host.me) {
      return this.host.leading() ? this.renew(lease, sent) : this.takeOver(lease);
    }
    if (this.host.leading()) this.host.lost(`lease taken by ${lease.holder || 'nobody'}`);
    this.host.observed(lease);
    const expired = lease.holder === '' || performance.now() - this.observedAt > this.cfg.leaseDurationMs;
    if (expired && !lease.solo && this.host.voter) await this.takeOver(lease);
  }

  private async renew(lease: LeaseRecord, sent: number): Promise<void> {
    try {
      const next = await this.client.update(lease, lease, this.cfg.retryPeriodMs);
      if (next === CONFLICT) return this.host.lost('lease changed under its holder');
      this.remember(next, sent);
    } catch (err) {
      this.failed(err);
    }
  }

  private async takeOver(prev: LeaseRecord | undefined): Promise<void> {
    const epoch = Math.max(prev?.epoch ?? 0, this.host.epoch()) + 1;
    const mine = prev?.holder === this.host.me;
    // Solo mode is only ever recorded by the holder, and only it may clear it (once a follower
    // has caught up): a restarted holder keeps it.
    const next = { holder: this.host.me, epoch, solo: mine && prev!.solo, transitions: (prev?.transitions ?? 0) + (mine ? 0 : 1) };
    const sent = performance.now();
    let won: LeaseRecord | typeof CONFLICT;
    try {
      won = prev ? await this.client.update(prev, next, this.cfg.retryPeriodMs) : await this.client.create(next, this.cfg.retryPeriodMs);
    } catch (err) {
      return this.failed(err);
    }
    if (won === CONFLICT) return; // someone else was faster: the next read shows who
    this.log.info('lease acquired', { epoch, previous: prev?.holder ?? '' });
    this.remember(won, sent);
    this.host.acquired(won);
  }

  private remember(lease: LeaseRecord, sent: number): void {
    this.current = lease;
    this.observedRv = lease.resourceVersion;
    this.observedAt = performance.now();
    this.renewedAt = sent;
  }

  private failed(err: unknown): void {
    if (this.host.leading() && performance.now() - this.renewedAt >= this.cfg.renewDeadlineMs) {
      this.host.lost(`could not renew the lease within the renew deadline (${errText(err)})`);
    } else if (!this.failing) {
      this.log.warn('lease requests failing, retrying every retry period', { error: errText(err) });
    }
    this.failing = true;
  }
}
