/** A byte-bounded LRU of values, so hot reads do not touch the file system. */
export class ValueCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;
  /** Largest single value worth caching. */
  private readonly maxItem: number;

  constructor(private readonly capacity: number) {
    this.maxItem = Math.floor(capacity / 8);
  }

/** The cached value (marked recently used), or undefined. */
  get(key: string): Buffer | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

/** Caches a value (unless larger than an eighth of the capacity), evicting the least recently used. */
  set(key: string, value: Buffer): void {
    this.delete(key);
    if (value.length > this.maxItem) return;
    this.map.set(key, value);
    this.bytes += value.length + key.length;
    while (this.bytes > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

/** Forgets a key. */
  delete(key: string): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    this.map.delete(key);
    this.bytes -= v.length + key.length;
  }

/** Forgets everything. */
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }

/** Bytes held (values and keys). */
  get size(): number {
    return this.bytes;
  }
}
