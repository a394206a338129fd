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
  /**
   * Reads ahead of a client: the value under `key` if it may be served, else the one being loaded,
   * else loads it once (`load` makes a speculative call) and stores it. Undefined when nothing came:
   * a refused or failed prefetch is dropped, and a client that was waiting for it loads on its own.
   */
  prefetch<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T | undefined>;
  /** Resolves once no prefetch of this store is in flight (tests, benchmarks). */
  prefetchesSettled(): Promise<void>;
  clear(): Promise<void>;
}

/**
 * Prefetches in flight, by key: a miss waits for the one under its key and falls back to its own
 * load when it brings nothing, so that a prefetch never answers a client with its failure.
 */
export class Prefetches {
  private readonly pending = new Map<string, Promise<unknown>>();

  get<T>(key: string): Promise<T | undefined> | undefined {
    return this.pending.get(key) as Promise<T | undefined> | undefined;
  }

  start<T>(key: string, load: () => Promise<T>, store: (value: T) => unknown): Promise<T | undefined> {
    const running = load().then(
      async (value) => {
        await store(value);
        return value;
      },
      () => undefined,
    );
    const tracked = running.finally(() => {
      if (this.pending.get(key) === tracked) this.pending.delete(key);
    });
    this.pending.set(key, tracked);
    return tracked;
  }

  /** Waits for the miss's prefetch, if one runs, and loads on its own when it brought nothing. */
  join<T>(key: string, load: () => Promise<T>): Promise<T> | undefined {
    const ahead = this.get<T>(key);
    return ahead?.then((value) => (value !== undefined ? value : load()));
  }

  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending.values()]);
  }
}

export class MetadataCache implements MetadataStore {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly prefetches = new Prefetches();
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

  async prefetch<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T | undefined> {
    if (policy.ttlMs <= 0) return undefined;
    const entry = this.entries.get(key);
    if (entry && freshness(entry.storedAt, policy, this.now()) !== 'expired') return entry.value as T;
    const running =
      (this.inflight.get(key) as Promise<T> | undefined)?.catch(() => undefined) ?? this.prefetches.get<T>(key);
    return running ?? this.prefetches.start(key, load, (value) => this.store(key, value));
  }

  prefetchesSettled(): Promise<void> {
    return this.prefetches.settled();
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
      pending = (this.prefetches.join(key, load) ?? load()).then((value) => {
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
