/**
 * Cross-request cache of provider metadata (never secret values): fresh for `ttlMs`, then served
 * stale for up to `staleMs` more while one background call refreshes it; concurrent misses share
 * one call (single-flight). Bounded by entry count, least recently stored out first.
 */
export interface CachePolicy {
  /** 0 turns caching off for the source. */
  ttlMs: number;
  staleMs: number;
}

/** Where an entry stored at `storedAt` stands under `policy`: served as is, served while refreshed, or gone. */
export function freshness(storedAt: number, policy: CachePolicy, now: number): 'fresh' | 'stale' | 'expired' {
  const age = now - storedAt;
  return age < policy.ttlMs ? 'fresh' : age < policy.ttlMs + policy.staleMs ? 'stale' : 'expired';
}

/**
 * An entry that may still be served, counted as a hit; a stale one also starts `refresh` (whose
 * failure only counts). Undefined when there is nothing to serve.
 */
export function serveEntry<T>(
  entry: { value: unknown; storedAt: number } | null | undefined,
  policy: CachePolicy,
  now: number,
  stats: CacheStats,
  refresh: () => Promise<unknown>,
): { value: T } | undefined {
  if (!entry) return undefined;
  const state = freshness(entry.storedAt, policy, now);
  if (state === 'expired') return undefined;
  if (state === 'fresh') stats.hits++;
  else {
    stats.staleHits++;
    refresh().catch(() => void stats.refreshFailures++);
  }
  return { value: entry.value as T };
}

interface Entry {
  value: unknown;
  storedAt: number;
}

export interface CacheStats {
  hits: number;
  staleHits: number;
  misses: number;
  refreshFailures: number;
}

/**
 * The cache behind the loaders: this process's memory (MetadataCache), or Redis shared by the fleet
 * (RedisMetadataCache, which falls back to a MetadataCache while Redis is away). Keys name what the
 * cloud was asked (source, namespace, query, page), never who asked: the grant is applied on read,
 * by the guarded loaders.
 */
export interface MetadataStore {
  readonly stats: CacheStats;
  /** The value under `key`: fresh, or stale while one refresh runs, or loaded once however many ask. */
  get<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T>;
  /** Fresh values without loading anything, for lookups that batch their misses; one answer per key. */
  peekMany<T>(keys: readonly string[], policy: CachePolicy): Promise<Array<T | undefined>>;
  set(key: string, policy: CachePolicy, value: unknown): Promise<void>;
  clear(): Promise<void>;
}

export class MetadataCache implements MetadataStore {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  readonly stats: CacheStats = { hits: 0, staleHits: 0, misses: 0, refreshFailures: 0 };

  constructor(
    private readonly maxEntries = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  async get<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T> {
    if (policy.ttlMs <= 0) return load();
    const entry = this.entries.get(key);
    const served = serveEntry<T>(entry, policy, this.now(), this.stats, () => this.load(key, load));
    if (served) return served.value;
    this.stats.misses++;
    return this.load(key, load);
  }

  async peekMany<T>(keys: readonly string[], policy: CachePolicy): Promise<Array<T | undefined>> {
    return keys.map((key) => this.peek<T>(key, policy));
  }

  /** A fresh value without loading anything, for lookups that batch their misses. */
  peek<T>(key: string, policy: CachePolicy): T | undefined {
    if (policy.ttlMs <= 0) return undefined;
    const entry = this.entries.get(key);
    if (!entry || this.now() - entry.storedAt >= policy.ttlMs) return undefined;
    this.stats.hits++;
    return entry.value as T;
  }

  async set(key: string, policy: CachePolicy, value: unknown): Promise<void> {
    if (policy.ttlMs <= 0) return;
    this.store(key, value);
  }

  async clear(): Promise<void> {
    this.entries.clear();
  }

  private store(key: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, { value, storedAt: this.now() });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private load<T>(key: string, load: () => Promise<T>): Promise<T> {
    let pending = this.inflight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = load().then((value) => {
        this.store(key, value);
        return value;
      });
      const settled = pending.finally(() => this.inflight.delete(key));
      settled.catch(() => undefined);
      this.inflight.set(key, pending);
    }
    return pending;
  }
}
