/** Bounds a cache kept in insertion order: past `max` entries the oldest go, each closed by `dispose`. */
export function keepAtMost<K, V>(map: Map<K, V>, max: number, dispose: (v: V) => void): void {
  while (map.size > max) {
    const [key, value] = map.entries().next().value!;
    map.delete(key);
    dispose(value);
  }
}
