/**
 * A stick table (HAProxy `stick-table … expire`, nginx `sticky learn … timeout`, F5 source-address
 * affinity `timeout`): key → server, each entry expiring a while after its last use on the lab clock.
 * Bounded: past MAX entries the least recently used one goes, as a full table does.
 */
const MAX = 100_000;

export class StickTable {
  private readonly entries = new Map<string, { index: number; expires: number }>();

  get(key: string, now: number, timeoutSec: number): number | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= now) return undefined;
    e.expires = now + timeoutSec * 1000;
    this.entries.set(key, e);
    return e.index;
  }

  set(key: string, index: number, now: number, timeoutSec: number): void {
    this.entries.delete(key);
    this.entries.set(key, { index, expires: now + timeoutSec * 1000 });
    if (this.entries.size > MAX) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
