/** Fixed-capacity ring buffer: the trace never grows without bound. */
export class Ring<T> {
  private items: (T | undefined)[];
  private start = 0;
  private size = 0;
  dropped = 0;

  constructor(private cap: number) {
    this.items = new Array(cap);
  }

  get capacity(): number {
    return this.cap;
  }

  /** A new capacity, live: the newest items are kept; the oldest beyond it are dropped and returned. */
  resize(capacity: number): T[] {
    const all = this.toArray();
    const gone = all.slice(0, Math.max(0, all.length - capacity));
    const kept = all.slice(gone.length);
    this.dropped += gone.length;
    this.cap = capacity;
    this.items = new Array(capacity);
    kept.forEach((item, i) => (this.items[i] = item));
    this.start = 0;
    this.size = kept.length;
    return gone;
  }

  /** Adds an item; when full, the oldest one makes room and is returned. */
  push(item: T): T | undefined {
    if (this.size < this.cap) {
      this.items[(this.start + this.size) % this.cap] = item;
      this.size++;
      return undefined;
    }
    const evicted = this.items[this.start];
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.cap;
    this.dropped++;
    return evicted;
  }

  /** The oldest item, without removing it. */
  first(): T | undefined {
    return this.size ? this.items[this.start] : undefined;
  }

  /** Removes and returns the oldest item (counted as dropped). */
  shift(): T | undefined {
    if (!this.size) return undefined;
    const item = this.items[this.start];
    this.items[this.start] = undefined;
    this.start = (this.start + 1) % this.cap;
    this.size--;
    this.dropped++;
    return item;
  }

  toArray(): T[] {
    const out: T[] = new Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.items[(this.start + i) % this.cap] as T;
    return out;
  }

  get length(): number {
    return this.size;
  }

  clear(): void {
    this.items.fill(undefined);
    this.start = 0;
    this.size = 0;
  }
}
