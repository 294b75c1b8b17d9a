/**
 * A byte-bounded LRU of values, so hot reads do not touch the file system.
 *
 * The Map's insertion order is the recency order (a hit moves its key to the end). The oldest
 * key is taken from one long-lived iterator rather than a fresh `keys()` each time: every
 * slot before the iterator is deleted already, and a fresh iterator walked those deleted slots
 * again on each eviction (up to ~80 us per set once the cache was full).
 */
export class ValueCache {
  private readonly map = new Map<string, Buffer>();
  private oldest: Iterator<string> = this.map.keys();
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
      let oldest = this.oldest.next();
      if (oldest.done) {
        // A finished iterator sees nothing added later: start again from the front.
        this.oldest = this.map.keys();
        oldest = this.oldest.next();
        if (oldest.done) break;
      }
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
    this.oldest = this.map.keys();
    this.bytes = 0;
  }

/** Bytes held (values and keys). */
  get size(): number {
    return this.bytes;
  }
}
