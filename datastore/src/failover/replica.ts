import { Config, FailoverConfig } from '../config';
import { Logger, errText } from '../log';
import { MetricsSource, MetricsText } from '../metrics';
import { Follower } from '../replication/follower';
import { FeedFencing, PullClaim } from '../replication/leader-feed';
import { PullFencing } from '../replication/puller';
import { WireError } from '../replication/wire';
import { LogStore } from '../store/log-store';
import { Elector, ElectorHost } from './elector';
import { EpochState, formatHistory, isPrefixOf, parseHistory } from './epoch-state';
import { LeaseClient, LeaseRecord } from './lease-client';
import { Leadership, ReadRefusal } from './leadership';
import { promote } from './promotion';
import { SyncAcks } from './sync-acks';

type Phase = 'follower' | 'candidate' | 'leader';

/** The answer to a fence: the replica's position, or the higher epoch it already accepted. */
export type FenceReply = { status: 200; body: { epoch: number; last: number; seq: number } } | { status: 409; body: { epoch: number } };

/**
 * One replica under MEHDB_FAILOVER=lease. It follows whoever holds the Lease; when the Lease
 * expires it takes it over (Elector), fences its peers and catches up (promote), then leads in
 * a new epoch: writes are acknowledged only once `syncAcks` followers of that epoch hold them
 * (SyncAcks), consistent reads only while the lease is certainly held. The epoch and the epoch
 * history are durable (EpochState); every replication request carries them.
 */
export class FailoverReplica implements Leadership, ElectorHost, FeedFencing, PullFencing, MetricsSource {
  readonly me: string;
  readonly voter: boolean;
  private phase: Phase = 'follower';
  private leaderName: string | undefined;
  /** Bumped at every change of leadership: a takeover of an older generation stops. */
  private generation = 0;
  private leaderChanges = 0;
  private soloActive = false;
  private readonly acks: SyncAcks;
  private readonly elector: Elector;
  private follower!: Follower;

  constructor(
    config: Config,
    private readonly cfg: FailoverConfig,
    private readonly store: LogStore,
    private readonly epochs: EpochState,
    private readonly log: Logger,
  ) {
    this.me = config.host.split('.')[0];
    this.voter = cfg.voter;
    this.acks = new SyncAcks(cfg.syncAcks);
    this.elector = new Elector(cfg, new LeaseClient(cfg, config.namespace), this, log);
  }

  /** The follower this replica pulls with (created by the app with this replica as its fencing). */
  attach(follower: Follower): void {
    this.follower = follower;
  }

  /** Starts the election loop (after the server listens). */
  start(): void {
    this.elector.start();
  }

  /** Stops electing; a leader releases the Lease so that a follower takes over at once. */
  async stop(): Promise<void> {
    const leading = this.phase !== 'follower';
    this.stepDown('shutting down');
    await this.elector.stop(leading);
  }

  // --- Leadership (the HTTP surface) ---

  /** `leader` only while the lease is certainly held: an unsure leader takes no write at all. */
  role(): 'leader' | 'follower' {
    return this.phase === 'leader' && this.elector.holdsLease() ? 'leader' : 'follower';
  }

  leaderUrl(): string | undefined {
    return this.leaderName && this.leaderName !== this.me ? this.cfg.peers.get(this.leaderName) : undefined;
  }

  async acknowledge(seq: number): Promise<boolean> {
    const generation = this.generation;
    if (this.phase !== 'leader') return false;
    let acked = await this.acks.waitFor(seq, this.cfg.syncTimeoutMs);
    if (!acked && this.cfg.solo && generation === this.generation) acked = await this.goSolo(seq);
    return acked && generation === this.generation && this.elector.holdsLease();
  }

  async readBarrier(seq: number): Promise<true | ReadRefusal> {
    if (this.phase !== 'leader') return 'not-leader';
    if (!this.elector.holdsLease()) return 'unavailable';
    const generation = this.generation;
    if (!(await this.acks.waitFor(seq, this.cfg.syncTimeoutMs))) return 'unavailable';
    // Checked again just before answering: a process paused meanwhile may have lost the lease.
    return generation === this.generation && this.elector.holdsLease() ? true : 'unavailable';
  }

  ready(): boolean {
    return this.phase !== 'follower' || this.follower.ready;
  }

  // --- ElectorHost ---

  epoch(): number {
    return this.epochs.epoch;
  }

  leading(): boolean {
    return this.phase !== 'follower';
  }

  observed(lease: LeaseRecord): void {
    if (lease.epoch > this.epochs.epoch) this.background('accepting the lease epoch', this.epochs.raise(lease.epoch));
    // A holder in an older epoch than this replica accepted is stale (the Lease was read before a
    // takeover landed, or deleted and made again): it has to raise its epoch before it can lead.
    if (lease.epoch < this.epochs.epoch && lease.holder !== '') return;
    this.setLeader(lease.holder || undefined);
    if (lease.holder && lease.holder !== this.me) this.followPeer(lease.holder);
  }

  acquired(lease: LeaseRecord): void {
    this.phase = 'candidate';
    this.generation++;
    this.acks.reset(0);
    this.setLeader(this.me);
    this.background('taking over', this.takeOver(lease.epoch, this.generation));
  }

  lost(reason: string): void {
    this.stepDown(reason);
  }

  // --- Fencing (served and sent replication) ---

  admit(claim: PullClaim): 'serve' | 'epoch' | 'not-ready' | 'snapshot' {
    const mine = this.epochs.epoch;
    if (claim.epoch === undefined || claim.epoch < mine) return 'epoch';
    if (claim.epoch > mine) {
      this.background('accepting a higher epoch', this.acceptEpoch(claim.epoch, undefined));
      return 'epoch';
    }
    if (this.phase === 'candidate') return 'not-ready';
    // Another data set (a new or replaced volume): its position says nothing about ours.
    if (claim.store !== undefined && claim.store !== this.store.storeId) return 'snapshot';
    // A follower of a pipelining leader may hold records this leader has launched but not yet
    // made durable: the leader's part of its epoch reaches its highest launched seq.
    if (!isPrefixOf(this.epochs.history, claim.last ?? 0, claim.since, this.store.launchedSeq)) return 'snapshot';
    // Only the voting replicas' acknowledgements count: a candidate fences those, and no other.
    if (this.phase === 'leader' && claim.replica && claim.replica !== this.me && this.cfg.peers.has(claim.replica)) {
      this.acks.note(claim.replica, claim.epoch, claim.since);
      if (this.soloActive && claim.since >= this.store.committedSeq) this.background('leaving solo mode', this.leaveSolo());
    }
    return 'serve';
  }

  history(): string {
    return formatHistory(this.epochs.history);
  }

  params(since: number): string {
    return `epoch=${this.epochs.epoch}&last=${this.epochs.epochAt(since)}&replica=${encodeURIComponent(this.me)}`;
  }

  async adoptHistory(header: string | undefined): Promise<void> {
    const history = parseHistory(header ?? '');
    if (!history) throw new WireError('bad epoch history');
    await this.epochs.adopt(history);
  }

  /** POST /replication/fence?epoch=E&leader=NAME: accept E durably, report the log position. */
  async fence(epoch: number, leader: string | undefined): Promise<FenceReply> {
    if (epoch < this.epochs.epoch) return { status: 409, body: { epoch: this.epochs.epoch } };
    await this.acceptEpoch(epoch, leader);
    const seq = this.store.committedSeq;
    return { status: 200, body: { epoch, last: this.epochs.epochAt(seq), seq } };
  }

  describeMetrics(m: MetricsText): void {
    m.metric('mehdb_epoch', 'gauge', 'Highest epoch this replica has accepted.', this.epochs.epoch)
      .metric('mehdb_leader_changes_total', 'counter', 'Times this replica became leader.', this.leaderChanges)
      .metric('mehdb_leader', 'gauge', 'The leader this replica knows of (1 for its name).', this.leaderName ? [[{ holder: this.leaderName }, 1]] : [])
      .metric('mehdb_solo', 'gauge', '1 while this leader acknowledges writes alone (recorded in the Lease).', this.soloActive ? 1 : 0)
      .metric('mehdb_acknowledged_seq', 'gauge', 'Highest seq held by enough followers (leader only).', this.phase === 'leader' ? Math.min(this.acks.ackedSeq(), this.store.committedSeq) : 0);
  }

  // --- internals ---

  private async acceptEpoch(epoch: number, leader: string | undefined): Promise<void> {
    await this.epochs.raise(epoch);
    // A fence or a pull in a higher epoch comes from a newer leadership: this one is over.
    if (this.phase !== 'follower') this.stepDown(`fenced by epoch ${epoch}`);
    if (leader && leader !== this.me && this.cfg.peers.has(leader)) {
      this.setLeader(leader);
      this.followPeer(leader);
    }
  }

  private async takeOver(epoch: number, generation: number): Promise<void> {
    await this.epochs.raise(epoch);
    await this.follower.rest();
    while (generation === this.generation) {
      const me = { name: this.me, last: this.epochs.epochAt(this.store.committedSeq), seq: this.store.committedSeq };
      const result = await promote(this.cfg, me, epoch, this.store, this.follower.pulls, this.log).catch((err: unknown) => {
        this.log.warn('takeover failed, retrying', { error: errText(err) });
        return undefined;
      });
      if (generation !== this.generation) return;
      if (result?.kind === 'ready') return this.lead(epoch);
      if (result?.kind === 'higher-epoch') {
        await this.epochs.raise(result.epoch);
        epoch = result.epoch + 1;
        if (!(await this.elector.rewrite({ epoch }))) return this.stepDown('lost the lease while raising the epoch');
        await this.epochs.raise(epoch);
        continue;
      }
      if (result?.kind === 'no-quorum') this.log.warn('too few replicas answered to take over safely; retrying', { reached: result.reached, replicas: this.cfg.replicas, syncAcks: this.cfg.syncAcks });
      await new Promise((resolve) => setTimeout(resolve, this.cfg.retryPeriodMs));
    }
  }

  private async lead(epoch: number): Promise<void> {
    await this.epochs.begin(epoch, this.store.committedSeq + 1);
    this.acks.reset(epoch);
    if (this.elector.lease?.solo) {
      this.soloActive = true; // recorded before this leadership: it holds writes no follower has
      this.acks.setSolo(true);
    }
    this.phase = 'leader';
    // Stream each batch to the followers as soon as it is launched to the disk, so that their
    // fsync overlaps this one's.
    this.store.setPipelining(true, () => this.localWriteFailed(epoch));
    this.leaderChanges++;
    this.store.wakeWaiters();
    this.log.info('leading', { epoch, seq: this.store.committedSeq, keys: this.store.keyCount });
  }

  private stepDown(reason: string): void {
    if (this.phase === 'follower') return;
    this.log.warn('stepping down', { reason, epoch: this.epochs.epoch });
    this.phase = 'follower';
    this.store.setPipelining(false);
    this.generation++;
    this.soloActive = false;
    this.acks.reset(0);
    this.setLeader(undefined);
    this.store.wakeWaiters();
  }

  /**
   * A local commit failed while its records may already be on a follower: this leader must never
   * write other records at those seqs in this epoch. It stops at once (the store refuses writes
   * until it leads again) and releases the Lease, so the next leader starts a new epoch and takes
   * the most advanced log.
   */
  private localWriteFailed(epoch: number): void {
    if (this.phase !== 'leader' || this.epochs.epoch !== epoch) return;
    this.stepDown('a local write failed after its records were streamed');
    this.background('releasing the lease', this.elector.release());
  }

  /** No follower acknowledged in time: record solo mode in the Lease, then acknowledge alone. */
  private async goSolo(seq: number): Promise<boolean> {
    if (!this.soloActive) {
      if (!(await this.elector.rewrite({ solo: true }))) return false;
      this.soloActive = true;
      this.acks.setSolo(true);
      this.log.warn('solo mode recorded in the lease: acknowledging writes alone, no failover until a follower catches up');
    }
    return this.acks.waitFor(seq, this.cfg.syncTimeoutMs);
  }

  /** A follower holds everything: stop acknowledging alone, then clear solo mode from the Lease. */
  private async leaveSolo(): Promise<void> {
    this.soloActive = false;
    this.acks.setSolo(false);
    if (!(await this.elector.rewrite({ solo: false }))) return this.stepDown('lost the lease while leaving solo mode');
    this.log.info('solo mode cleared: a follower holds every write again');
  }

  private setLeader(name: string | undefined): void {
    this.leaderName = name;
  }

  private followPeer(name: string): void {
    const url = this.cfg.peers.get(name);
    if (url && this.phase === 'follower') this.follower.follow(url);
  }

  private background(what: string, p: Promise<unknown>): void {
    p.catch((err: unknown) => this.log.error(`${what} failed`, { error: errText(err) }));
  }
}
