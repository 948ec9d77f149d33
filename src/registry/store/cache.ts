/**
 * A small least-recently-used map with a byte budget and a time to live: the registry keeps
 * manifests and blob links it looked up here. Writes by this process invalidate entries; the time
 * to live bounds how long a write by another process sharing the storage can go unseen.
 */
export interface Lru<V> {
  get(key: string): V | undefined;
  set(key: string, value: V, bytes?: number): void;
  delete(key: string): void;
  /** Drops every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void;
  clear(): void;
  readonly size: number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  expires: number;
}

export function lru<V>(opts: { maxEntries: number; maxBytes?: number; ttlMs?: number }): Lru<V> {
  const map = new Map<string, Slot<V>>();
  const maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  const ttl = opts.ttlMs ?? 10_000;
  let bytes = 0;

  const drop = (key: string) => {
    const s = map.get(key);
    if (s) {
      bytes -= s.bytes;
      map.delete(key);
    }
  };

  return {
    get(key) {
      const s = map.get(key);
      if (!s) return undefined;
      if (s.expires < Date.now()) {
        drop(key);
        return undefined;
      }
      // Refresh recency: Map iteration order is insertion order.
      map.delete(key);
      map.set(key, s);
      return s.value;
    },
    set(key, value, size = 0) {
      drop(key);
      if (size > maxBytes / 4) return;
      map.set(key, { value, bytes: size, expires: Date.now() + ttl });
      bytes += size;
      while (map.size > opts.maxEntries || bytes > maxBytes) {
        const oldest = map.keys().next().value;
        if (oldest === undefined) break;
        drop(oldest);
      }
    },
    delete: drop,
    deletePrefix(prefix) {
      for (const k of [...map.keys()]) if (k.startsWith(prefix)) drop(k);
    },
    clear() {
      map.clear();
      bytes = 0;
    },
    get size() {
      return map.size;
    },
  };
}
