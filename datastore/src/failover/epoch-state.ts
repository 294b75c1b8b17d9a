import * as path from 'node:path';
import { StorageFs } from '../store/file-system';

/** One leadership: its epoch and the seq of the first record it wrote. */
export interface EpochStart {
  readonly epoch: number;
  readonly start: number;
}

/** Most history entries kept: a follower whose last epoch is older takes a snapshot. */
export const MAX_HISTORY = 64;

const FILE = 'epoch.json';

/**
 * The durable fencing state of a replica (`<datadir>/epoch.json`):
 * - `epoch`: the highest epoch this replica has accepted. It only grows. A replica refuses
 *   replication from, and acknowledgement to, any lower epoch.
 * - `history`: which epoch wrote which part of this replica's log, as (epoch, first seq) pairs in
 *   order, like PostgreSQL's timeline history. Two replicas whose logs hold seq S under the
 *   same epoch hold the same data up to S, so a follower whose last epoch ends earlier in the
 *   leader's history than its own log does holds a divergent, never acknowledged tail.
 * Written as a new file, fsynced, renamed over the old one, directory fsynced.
 */
export class EpochState {
  private constructor(
    private readonly fs: StorageFs,
    private readonly dir: string,
    private epochValue: number,
    private historyValue: EpochStart[],
  ) {}

  /** Reads the state of `dir` (epoch 0 and no history when there is none yet). */
  static async load(fs: StorageFs, dir: string): Promise<EpochState> {
    const names = await fs.list(dir);
    if (!names.includes(FILE)) return new EpochState(fs, dir, 0, []);
    const file = await fs.open(path.join(dir, FILE), 'read');
    try {
      const size = await file.size();
      const buf = Buffer.alloc(size);
      await file.read(buf, 0, size, 0);
      const parsed = JSON.parse(buf.toString('utf8')) as { epoch: number; history: EpochStart[] };
      return new EpochState(fs, dir, parsed.epoch, parseHistory(parsed.history) ?? []);
    } finally {
      await file.close();
    }
  }

  /** Highest epoch accepted. */
  get epoch(): number {
    return this.epochValue;
  }

  /** (epoch, first seq) pairs, oldest first. */
  get history(): readonly EpochStart[] {
    return this.historyValue;
  }

  /** The epoch that wrote `seq` in this log (0 before any recorded epoch). */
  epochAt(seq: number): number {
    return epochAt(this.historyValue, seq);
  }

  /** Accepts a higher epoch (durably). No-op when it is not higher. */
  async raise(epoch: number): Promise<void> {
    if (epoch <= this.epochValue) return;
    await this.save(epoch, this.historyValue);
  }

  /** The leader of `epoch` starts writing at `start`: entries at or past `start` are dropped. */
  async begin(epoch: number, start: number): Promise<void> {
    const kept = this.historyValue.filter((h) => h.start < start && h.epoch < epoch);
    await this.save(Math.max(epoch, this.epochValue), trim([...kept, { epoch, start }]));
  }

  /** Takes the leader's history (before applying its records or installing its snapshot). */
  async adopt(history: readonly EpochStart[]): Promise<void> {
    if (sameHistory(history, this.historyValue)) return;
    await this.save(this.epochValue, trim([...history]));
  }

  private async save(epoch: number, history: EpochStart[]): Promise<void> {
    const target = path.join(this.dir, FILE);
    const tmp = target + '.tmp';
    await this.fs.unlink(tmp).catch(() => undefined);
    const file = await this.fs.open(tmp, 'create');
    try {
      await file.write(Buffer.from(JSON.stringify({ epoch, history })), 0);
      if (!file.syncOnWrite) await file.datasync();
    } finally {
      await file.close();
    }
    await this.fs.rename(tmp, target);
    await this.fs.syncDir(this.dir);
    this.epochValue = epoch;
    this.historyValue = history;
  }
}

/** The epoch that wrote `seq`, by a history (0 before its first entry). */
export function epochAt(history: readonly EpochStart[], seq: number): number {
  let e = 0;
  for (const h of history) if (h.start <= seq) e = h.epoch;
  return e;
}

/**
 * Does a log whose record `seq` was written under `lastEpoch` hold only what `history` (the
 * leader's) holds up to `seq`? True when `lastEpoch` appears in the history and the leader's
 * part of that epoch reaches at least `seq`.
 */
export function isPrefixOf(history: readonly EpochStart[], lastEpoch: number, seq: number, leaderSeq: number): boolean {
  if (seq === 0) return true;
  if (lastEpoch === 0) return history.length < MAX_HISTORY && (history.length === 0 || seq < history[0].start);
  const i = history.findIndex((h) => h.epoch === lastEpoch);
  if (i < 0) return false;
  const end = i + 1 < history.length ? history[i + 1].start - 1 : leaderSeq;
  return history[i].start <= seq && seq <= end;
}

/** Header form: `epoch:start,epoch:start`. */
export function formatHistory(history: readonly EpochStart[]): string {
  return history.map((h) => `${h.epoch}:${h.start}`).join(',');
}

/** Parses the header form (or the JSON array); undefined when malformed or out of order. */
export function parseHistory(raw: unknown): EpochStart[] | undefined {
  let entries: EpochStart[];
  if (typeof raw === 'string') {
    if (raw === '') return [];
    if (!/^[0-9]{1,15}:[0-9]{1,15}(,[0-9]{1,15}:[0-9]{1,15}){0,200}$/.test(raw)) return undefined;
    entries = raw.split(',').map((p) => {
      const [e, s] = p.split(':');
      return { epoch: Number(e), start: Number(s) };
    });
  } else if (Array.isArray(raw)) {
    entries = raw.map((h: { epoch?: unknown; start?: unknown }) => ({ epoch: Number(h.epoch), start: Number(h.start) }));
  } else return undefined;
  for (let i = 0; i < entries.length; i++) {
    const h = entries[i];
    if (!Number.isSafeInteger(h.epoch) || !Number.isSafeInteger(h.start) || h.epoch < 1 || h.start < 1) return undefined;
    if (i > 0 && (h.epoch <= entries[i - 1].epoch || h.start < entries[i - 1].start)) return undefined;
  }
  return entries;
}

function trim(history: EpochStart[]): EpochStart[] {
  return history.length > MAX_HISTORY ? history.slice(history.length - MAX_HISTORY) : history;
}

function sameHistory(a: readonly EpochStart[], b: readonly EpochStart[]): boolean {
  return a.length === b.length && a.every((h, i) => h.epoch === b[i].epoch && h.start === b[i].start);
}
