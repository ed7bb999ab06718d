/**
 * A small LRU of values computed asynchronously, bounded by a byte budget. Concurrent requests
 * for one key share one computation; a computation that fails is not kept, so the next request
 * tries again (and sees the same error for bad input). Values must never be mutated by callers.
 */
export class RenderCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; bytes: number }>();
  private bytes = 0;

  /**
   * @param maxBytes total bytes the settled values may hold
   * @param sizeOf bytes one value holds; a value above a quarter of the budget is not kept
   */
  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  /** The value under `key`, computed by `compute` when not held (or in progress) already. */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const held = this.entries.get(key);
    if (held !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(key);
      this.entries.set(key, held);
      return held.value;
    }
    const entry = { value: compute(), bytes: 0 };
    this.entries.set(key, entry);
    entry.value.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        const bytes = this.sizeOf(value);
        if (bytes > this.maxBytes / 4) {
          this.entries.delete(key);
          return;
        }
        entry.bytes = bytes;
        this.bytes += bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  /** Entries held (settled or in progress). */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) return;
      this.entries.delete(key);
      this.bytes -= entry.bytes;
    }
  }
}
