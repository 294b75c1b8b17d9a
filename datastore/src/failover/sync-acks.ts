interface Waiter {
  readonly seq: number;
  readonly resolve: (acked: boolean) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The leader's view of what its followers hold durably in the current epoch. A follower's pull
 * `since=S` says it has applied everything up to S durably, so the pull itself is the
 * acknowledgement: one round trip serves every write of the batch it fetched (group commit
 * carries over). A write at seq q is acknowledged once `need` followers reached q.
 */
export class SyncAcks {
  private epoch = 0;
  private readonly positions = new Map<string, number>();
  private waiters: Waiter[] = [];
  private solo = false;

  constructor(private readonly need: number) {}

  /** A new leadership (or none: epoch 0): forgets every position, fails every waiting write. */
  reset(epoch: number): void {
    this.epoch = epoch;
    this.positions.clear();
    this.solo = false;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
  }

  /** Solo mode (recorded in the Lease): writes need no follower. */
  setSolo(on: boolean): void {
    this.solo = on;
    if (on) this.release(Number.MAX_SAFE_INTEGER);
  }

  /** A follower of `epoch` holds everything up to `seq` durably. */
  note(replica: string, epoch: number, seq: number): void {
    if (epoch !== this.epoch || this.epoch === 0) return;
    if ((this.positions.get(replica) ?? -1) >= seq) return;
    this.positions.set(replica, seq);
    this.release(this.ackedSeq());
  }

  /** Highest seq held by `need` followers of this epoch (everything in solo mode). */
  ackedSeq(): number {
    if (this.epoch === 0) return 0;
    if (this.solo || this.need === 0) return Number.MAX_SAFE_INTEGER;
    const held = [...this.positions.values()].sort((a, b) => b - a);
    return held.length >= this.need ? held[this.need - 1] : 0;
  }

  /** Resolves true once `seq` is acknowledged, false at the timeout or when leadership ends. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.epoch === 0) return Promise.resolve(false);
    if (seq <= this.ackedSeq()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      const waiter: Waiter = { seq, resolve, timer };
      this.waiters.push(waiter);
    });
  }

  private release(acked: number): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq > acked) keep.push(w);
      else {
        clearTimeout(w.timer);
        w.resolve(true);
      }
    }
    this.waiters = keep;
  }
}
