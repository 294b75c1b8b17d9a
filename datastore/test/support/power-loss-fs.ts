import * as path from 'node:path';
import { OpenMode, StorageFile, StorageFs, nodeFs } from '../../src/store/file-system';

/**
 * A fault injector beneath the storage engine that models a power cut.
 *
 * Writes go through to the real files (so reads see them, like the page cache), but the layer
 * remembers what has been made durable: per file, the length covered by the last completed
 * fdatasync; per directory, which creations and renames were covered by a directory fsync.
 * crash() then throws away everything else: files are cut back to their durable length, a random
 * part of the unsynced tail survives (a torn write, sometimes zero-filled, like a sector that
 * never landed), files whose creation was never made durable disappear, and renames that were
 * never made durable are undone. After crash() every call fails, as the machine is "off".
 */
export class PowerLossFs implements StorageFs {
  private crashed = false;
  private inflight = 0;
  private idle: Array<() => void> = [];
  /** Durable length per file path (files that existed durably before we started count as such). */
  private readonly durableLen = new Map<string, number>();
  /** Files created (by us) whose directory entry is not durable yet. */
  private readonly undurableCreates = new Set<string>();
  /** Renames not yet covered by a directory fsync, in order. */
  private readonly undurableRenames: Array<{ from: string; to: string }> = [];
  private readonly files = new Set<PowerLossFile>();
  readonly counts = { syncs: 0, droppedBytes: 0, droppedFiles: 0, undoneRenames: 0, tornKept: 0 };

  constructor(private readonly random: () => number = Math.random) {}

  private async op<T>(fn: () => Promise<T>): Promise<T> {
    if (this.crashed) throw Object.assign(new Error('power lost'), { code: 'EIO' });
    this.inflight++;
    try {
      const result = await fn();
      // A call that was still running when the power went never returned to its caller.
      if (this.crashed) throw Object.assign(new Error('power lost'), { code: 'EIO' });
      return result;
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const w of this.idle.splice(0)) w();
    }
  }

  isCrashed(): boolean {
    return this.crashed;
  }

  mkdirp(dir: string): Promise<void> {
    return this.op(() => nodeFs.mkdirp(dir));
  }

  list(dir: string): Promise<string[]> {
    return this.op(() => nodeFs.list(dir));
  }

  open(p: string, mode: OpenMode): Promise<StorageFile> {
    return this.op(async () => {
      const real = await nodeFs.open(p, mode);
      if (mode === 'create') {
        this.undurableCreates.add(p);
        this.durableLen.set(p, 0);
      } else if (!this.durableLen.has(p)) {
        this.durableLen.set(p, await real.size()); // existed before: assume durable
      }
      const f = new PowerLossFile(this, real, p);
      this.files.add(f);
      return f;
    });
  }

  rename(from: string, to: string): Promise<void> {
    return this.op(async () => {
      await nodeFs.rename(from, to);
      this.undurableRenames.push({ from, to });
      const len = this.durableLen.get(from);
      this.durableLen.delete(from);
      if (len !== undefined) this.durableLen.set(to, len);
      if (this.undurableCreates.delete(from)) this.undurableCreates.add(to);
      for (const f of this.files) if (f.path === from) f.path = to;
    });
  }

  unlink(p: string): Promise<void> {
    // Modelled as durable at once: the engine only unlinks files it no longer needs.
    return this.op(async () => {
      await nodeFs.unlink(p);
      this.durableLen.delete(p);
      this.undurableCreates.delete(p);
    });
  }

  syncDir(dir: string): Promise<void> {
    return this.op(async () => {
      await nodeFs.syncDir(dir);
      for (const p of [...this.undurableCreates]) if (path.dirname(p) === dir) this.undurableCreates.delete(p);
      for (let i = this.undurableRenames.length - 1; i >= 0; i--) {
        if (path.dirname(this.undurableRenames[i].to) === dir) this.undurableRenames.splice(i, 1);
      }
    });
  }

  /** @internal */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.op(fn);
  }

  /** @internal called when a datasync that started at `len` bytes completed. */
  markDurable(p: string, len: number): void {
    if (this.crashed) return;
    this.counts.syncs++;
    this.durableLen.set(p, Math.max(this.durableLen.get(p) ?? 0, len));
  }

  /** Durable O_DSYNC writes that landed beyond the durable prefix (out of order), per file. */
  private readonly durableAhead = new Map<string, Array<[number, number]>>();

  /** @internal an O_DSYNC write of `len` bytes at `pos` completed. */
  markDurableWrite(p: string, pos: number, len: number): void {
    if (this.crashed) return;
    const ahead = this.durableAhead.get(p) ?? [];
    ahead.push([pos, pos + len]);
    // The durable prefix grows over every range that now touches it; a crash keeps only the
    // prefix (what lies past a hole is cut, as recovery would stop at the hole anyway).
    let d = this.durableLen.get(p) ?? 0;
    let grew = true;
    while (grew) {
      grew = false;
      for (let i = ahead.length - 1; i >= 0; i--) {
        if (ahead[i][0] <= d) {
          d = Math.max(d, ahead[i][1]);
          ahead.splice(i, 1);
          grew = true;
        }
      }
    }
    this.durableLen.set(p, d);
    this.durableAhead.set(p, ahead);
  }

  /** @internal a truncate below the durable length is not undone by a crash. */
  shrink(p: string, len: number): void {
    const d = this.durableLen.get(p);
    if (d !== undefined && d > len) this.durableLen.set(p, len);
  }

  /** Test control: makes datasync a no-op (an engine that never syncs), to prove the injector bites. */
  disableSync = false;

  private crashRequested?: () => void;

  /**
   * Cuts the power while the next write is in flight: that write never becomes durable and its
   * caller gets an error, so the cut always finds unsynced bytes to discard (a cut at a random
   * moment can fall between two commits and find none).
   */
  crashDuringNextWrite(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.crashRequested = () => this.crash().then(resolve, reject);
    });
  }

  /** @internal a write was issued (and counts as in flight). */
  writeIssued(): void {
    const crash = this.crashRequested;
    this.crashRequested = undefined;
    crash?.();
  }

  /** Cuts the power: waits for calls already in the kernel, then discards what was not durable. */
  async crash(): Promise<void> {
    this.crashed = true;
    if (this.inflight > 0) await new Promise<void>((r) => this.idle.push(r));
    for (const f of this.files) await f.real.close().catch(() => undefined);
    const fsp = await import('node:fs/promises');
    for (const { from, to } of this.undurableRenames.reverse()) {
      await fsp.rename(to, from).catch(() => undefined);
      this.counts.undoneRenames++;
      const len = this.durableLen.get(to);
      this.durableLen.delete(to);
      if (len !== undefined) this.durableLen.set(from, len);
      if (this.undurableCreates.delete(to)) this.undurableCreates.add(from);
    }
    for (const p of this.undurableCreates) {
      await fsp.unlink(p).then(() => this.counts.droppedFiles++, () => undefined);
      this.durableLen.delete(p);
    }
    for (const [p, len] of this.durableLen) {
      let size: number;
      try {
        size = (await fsp.stat(p)).size;
      } catch {
        continue;
      }
      if (size <= len) continue;
      // Keep a random prefix of the unsynced tail (torn write); sometimes zero its end.
      const keep = Math.floor(this.random() * (size - len + 1) * 0.5);
      await fsp.truncate(p, len + keep);
      if (keep > 0 && this.random() < 0.5) {
        const fh = await fsp.open(p, 'r+');
        const z = Math.min(keep, 512);
        await fh.write(Buffer.alloc(z), 0, z, len + keep - z);
        await fh.close();
      }
      if (keep > 0) this.counts.tornKept++;
      this.counts.droppedBytes += size - len - keep;
    }
  }
}

class PowerLossFile implements StorageFile {
  constructor(
    private readonly owner: PowerLossFs,
    readonly real: StorageFile,
    public path: string,
  ) {}

  get syncOnWrite(): boolean {
    return this.real.syncOnWrite && !this.owner.disableSync;
  }

  write(buf: Buffer, position: number): Promise<void> {
    const done = this.owner.run(async () => {
      await this.real.write(buf, position);
      // O_DSYNC: the write is durable when it returns (contiguous with what was durable before).
      if (this.syncOnWrite) this.owner.markDurableWrite(this.path, position, buf.length);
    });
    this.owner.writeIssued();
    return done;
  }
  read(buf: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.owner.run(() => this.real.read(buf, offset, length, position));
  }
  datasync(): Promise<void> {
    return this.owner.run(async () => {
      const len = await this.real.size();
      if (this.owner.disableSync) return;
      await this.real.datasync();
      this.owner.markDurable(this.path, len);
    });
  }
  truncate(length: number): Promise<void> {
    return this.owner.run(async () => {
      await this.real.truncate(length);
      this.owner.shrink(this.path, length);
    });
  }
  size(): Promise<number> {
    return this.owner.run(() => this.real.size());
  }
  close(): Promise<void> {
    return this.owner.run(() => this.real.close());
  }
}
