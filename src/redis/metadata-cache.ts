import { randomUUID } from 'node:crypto';
import {
  freshness,
  Prefetches,
  serveEntry,
  type CachePolicy,
  type CacheStats,
  type MetadataCache,
  type MetadataStore,
} from '../cache/metadata-cache.js';
import { fromJson, toJson } from './json.js';
import type { RedisLink } from './link.js';

interface StoredEntry {
  value: unknown;
  storedAt: number;
}

function encode(value: unknown, storedAt: number): string {
  return toJson({ t: storedAt, v: value });
}

function decode(text: string | null): StoredEntry | null {
  if (text === null) return null;
  const parsed = fromJson<{ t: number; v: unknown }>(text);
  return { value: parsed.v, storedAt: parsed.t };
}

/** How long one replica may hold the right to fill a key before the others stop waiting for it. */
const FILL_LOCK_MS = 10_000;
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Provider metadata shared by every replica through Redis, with the local cache's behaviour:
 * fresh for `ttlMs`, served stale for `staleMs` more while one refresh runs, and single-flight
 * across the fleet: one replica takes a short lock (SET NX PX) and calls the cloud, the others
 * wait for its result (or serve stale meanwhile). Entries expire in Redis at `ttlMs + staleMs`.
 *
 * Whenever Redis does not answer (down, slow, or never connected), the call is served by the
 * replica's local cache instead, and the next one tries Redis again.
 */
export class RedisMetadataCache implements MetadataStore {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly prefetches = new Prefetches();
  readonly stats: CacheStats = { hits: 0, staleHits: 0, misses: 0, refreshFailures: 0 };

  constructor(
    private readonly link: RedisLink,
    private readonly local: MetadataCache,
    private readonly now: () => number = Date.now,
  ) {}

  private redisKey(key: string): string {
    return `meta:${key}`;
  }

  async get<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T> {
    if (policy.ttlMs <= 0) return load();
    if (!this.link.up) return this.fallBack(key, policy, load);
    let entry: StoredEntry | null;
    try {
      entry = decode(await this.link.client.get(this.redisKey(key)));
    } catch {
      this.link.commandFailed();
      return this.fallBack(key, policy, load);
    }
    const served = serveEntry<T>(entry, policy, this.now(), this.stats, () => this.fill(key, policy, load, true));
    if (served) return served.value;
    this.stats.misses++;
    // A prefetch of this replica is filling the key: wait for it rather than for the fleet's lock.
    return (
      this.prefetches.join(key, () => this.fill(key, policy, load, false) as Promise<T>) ??
      (this.fill(key, policy, load, false) as Promise<T>)
    );
  }

  /**
   * Reads ahead like the local cache, across the fleet: what Redis holds is used as is; a key that
   * another replica is filling is left to it (its lock); otherwise this replica takes the lock and loads.
   */
  async prefetch<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T | undefined> {
    if (policy.ttlMs <= 0) return undefined;
    if (!this.link.up) return this.local.prefetch(key, policy, load);
    const running =
      this.prefetches.get<T>(key) ??
      (this.inflight.get(`fill\u0000${key}`) as Promise<T | undefined> | undefined)?.catch(() => undefined);
    if (running) return running;
    let entry: StoredEntry | null;
    try {
      entry = decode(await this.link.client.get(this.redisKey(key)));
    } catch {
      this.link.commandFailed();
      return this.local.prefetch(key, policy, load);
    }
    if (entry && freshness(entry.storedAt, policy, this.now()) !== 'expired') return entry.value as T;
    return (
      this.prefetches.get<T>(key) ??
      this.prefetches
        .start(
          key,
          () => this.fillIfFree(key, policy, load),
          () => undefined,
        )
        .then((value) => value ?? undefined)
    );
  }

  prefetchesSettled(): Promise<void> {
    return Promise.all([this.prefetches.settled(), this.local.prefetchesSettled()]).then(() => undefined);
  }

  /** Loads and stores the key if no replica holds its fill lock; rejects (nothing to store) otherwise. */
  private async fillIfFree<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T> {
    const lockKey = `lock:${key}`;
    if ((await this.link.client.set(lockKey, randomUUID(), 'PX', FILL_LOCK_MS, 'NX')) !== 'OK')
      throw new Error('another replica is filling this key');
    return this.fillHolding(lockKey, key, policy, load);
  }

  /** With the fill lock held: load, store (this replica's memory if Redis refuses), release the lock. */
  private async fillHolding<T>(lockKey: string, key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T> {
    try {
      const value = await load();
      if (!(await this.store(key, policy, value))) await this.local.set(key, policy, value);
      return value;
    } finally {
      // Best effort: should the lock have expired and passed on meanwhile, releasing it only lets one more replica fill.
      this.link.client.del(lockKey).catch(() => undefined);
    }
  }

  async peekMany<T>(keys: readonly string[], policy: CachePolicy): Promise<Array<T | undefined>> {
    if (policy.ttlMs <= 0 || keys.length === 0) return keys.map(() => undefined);
    if (!this.link.up) return this.local.peekMany(keys, policy);
    let texts: Array<string | null>;
    try {
      texts = await this.link.client.mget(keys.map((key) => this.redisKey(key)));
    } catch {
      this.link.commandFailed();
      this.link.fellBack('metadata-cache');
      return this.local.peekMany(keys, policy);
    }
    const now = this.now();
    return texts.map((text) => {
      const entry = decode(text);
      if (!entry || now - entry.storedAt >= policy.ttlMs) return undefined;
      this.stats.hits++;
      return entry.value as T;
    });
  }

  async set(key: string, policy: CachePolicy, value: unknown): Promise<void> {
    if (policy.ttlMs <= 0) return;
    if (!(await this.store(key, policy, value))) await this.local.set(key, policy, value);
  }

  async clear(): Promise<void> {
    await this.local.clear();
    if (!this.link.up) return;
    const prefix = this.link.settings.keyPrefix;
    // SCAN matches raw keys (ioredis does not prefix patterns); DEL prefixes what it is given.
    let cursor = '0';
    do {
      const [next, keys] = await this.link.client.scan(cursor, 'MATCH', `${prefix}meta:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await this.link.client.del(...keys.map((k) => k.slice(prefix.length)));
    } while (cursor !== '0');
  }

  private fallBack<T>(key: string, policy: CachePolicy, load: () => Promise<T>): Promise<T> {
    this.link.fellBack('metadata-cache');
    return this.local.get(key, policy, load);
  }

  /** Writes the entry to Redis; false when Redis did not take it. */
  private async store(key: string, policy: CachePolicy, value: unknown): Promise<boolean> {
    if (!this.link.up) return false;
    try {
      await this.link.client.set(this.redisKey(key), encode(value, this.now()), 'PX', policy.ttlMs + policy.staleMs);
      return true;
    } catch {
      this.link.commandFailed();
      this.link.fellBack('metadata-cache');
      return false;
    }
  }

  /** One fill per key in this replica; across replicas, the lock decides who calls the cloud. */
  private fill<T>(
    key: string,
    policy: CachePolicy,
    load: () => Promise<T>,
    background: boolean,
  ): Promise<T | undefined> {
    // A background refresh may end without a value (another replica refreshes): misses never share it.
    const flightKey = `${background ? 'refresh' : 'fill'}\u0000${key}`;
    let pending = this.inflight.get(flightKey) as Promise<T | undefined> | undefined;
    if (!pending) {
      pending = this.fillAcrossFleet(key, policy, load, background);
      const settled = pending.finally(() => this.inflight.delete(flightKey));
      settled.catch(() => undefined);
      this.inflight.set(flightKey, pending);
    }
    return pending;
  }

  private async fillAcrossFleet<T>(
    key: string,
    policy: CachePolicy,
    load: () => Promise<T>,
    background: boolean,
  ): Promise<T | undefined> {
    const lockKey = `lock:${key}`;
    const started = this.now();
    let pollMs = POLL_FIRST_MS;
    for (;;) {
      let acquired: boolean;
      const token = randomUUID();
      try {
        acquired = (await this.link.client.set(lockKey, token, 'PX', FILL_LOCK_MS, 'NX')) === 'OK';
      } catch {
        this.link.commandFailed();
        return this.fallBack(key, policy, load);
      }
      if (acquired) return this.fillHolding(lockKey, key, policy, load);
      // Another replica is filling: a stale reader has its answer already; a miss waits for the fill.
      if (background) return undefined;
      for (;;) {
        await sleep(pollMs);
        pollMs = Math.min(POLL_MAX_MS, pollMs * 2);
        let entry: StoredEntry | null;
        let lockHeld: number;
        try {
          [entry, lockHeld] = await Promise.all([
            this.link.client.get(this.redisKey(key)).then(decode),
            this.link.client.exists(lockKey),
          ]);
        } catch {
          this.link.commandFailed();
          return this.fallBack(key, policy, load);
        }
        if (entry && freshness(entry.storedAt, policy, this.now()) !== 'expired') {
          this.stats.hits++;
          return entry.value as T;
        }
        // The filler failed or gave up: try to take over. After a lock's lifetime, stop waiting.
        if (!lockHeld) break;
        if (this.now() - started > FILL_LOCK_MS) return load();
      }
    }
  }
}
