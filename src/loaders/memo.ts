import type { CachePolicy, MetadataStore } from '../cache/metadata-cache.js';
import type { SourceIndex } from '../inventory/source-index.js';
import type { SyncPages } from '../inventory/sync-pages.js';
import type { PrefetchBudget } from '../pagination/segment.js';
import type { SecretRecord } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import type { RequestScope } from '../upstream/request-scope.js';

/** How long a prefetch may take, from when it is started: a call's timeout applies within it too. */
const PREFETCH_DEADLINE_MS = 10_000;

/** Last total seen per source and namespace, kept across requests: counts only, never records. */
export type KnownTotals = Map<string, number>;

export interface LoaderOptions {
  maxDetailBatch?: number;
  totals?: KnownTotals;
  /**
   * Cross-request metadata cache and its policy per source. Shared by every caller (and, on Redis,
   * every replica): a key names what the cloud was asked, never who asked. The grant is applied on
   * read, by the guarded loaders (auth/guarded-loaders.ts), before any of these loaders runs.
   */
  cache?: { store: MetadataStore; policy(source: SecretSource): CachePolicy };
  /** The request every call is made for (deadline, request id, retry counts). */
  scope?: RequestScope;
  /** A source's synced index while it is fresh: namespaces, lookups and scans are answered from it, with no call. */
  indexOf?(source: SecretSource): SourceIndex | null;
  /**
   * The pages of the source's first sync: until it ends every read of the source is live, and the
   * sync and live reads make each list call once between them (src/inventory/sync-pages.ts).
   */
  firstSyncPages?(source: SecretSource): SyncPages | null;
}

/** What a request's loaders share: its calls made once, the cross-request cache, and what its lists returned. */
export interface RequestMemo {
  readonly scope?: RequestScope;
  readonly totals: KnownTotals;
  /** Once per request; a failed call may be retried by a later field of the same request. */
  once<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Through the cross-request cache when the source has one; values never come this way. */
  shared<T>(source: SecretSource, key: string, work: () => Promise<T>): Promise<T>;
  /** A page read ahead of the client, into the cross-request cache; undefined when it was refused or failed (or outside a request). */
  ahead<T>(
    source: SecretSource,
    key: string,
    budget: PrefetchBudget,
    work: (scope: RequestScope) => Promise<T>,
  ): Promise<T | undefined>;
  /** Cached answers for the keys, undefined for each miss; all misses without a cache. */
  peekMany<T>(source: SecretSource, keys: string[]): Promise<Array<T | undefined>>;
  /** Keeps an answer in the cross-request cache, if there is one; nothing is awaited. */
  keep(source: SecretSource, key: string, value: unknown): void;
  /**
   * What lists returned serves later lookups by key in the request, but is put into the loaders
   * only when a lookup first comes: most requests (a page of a list) make none, and an SAE
   * namespace list holds hundreds of records.
   */
  listed(source: SecretSource, records: SecretRecord[]): void;
  /** Hands over (once) every record listed so far. */
  drainListed(each: (source: SecretSource, record: SecretRecord) => void): void;
}

export function createMemo(options: LoaderOptions): RequestMemo {
  const { cache, scope } = options;
  // Prefetches outlive the request's answer: they get their own deadline and retry counts (none), never the request's.
  const speculative = (request: RequestScope): RequestScope => ({
    ...request,
    speculative: true,
    retries: new Map(),
    deadline: Date.now() + PREFETCH_DEADLINE_MS,
  });
  /**
   * During the source's first sync: its page under `key`, as old as the source's cache would serve
   * it (with no cache, only one in flight); else `work`, whose call (when it makes one) the sync may
   * join. Outside a first sync, `work` alone.
   */
  const withFirstSync = <T>(
    source: SecretSource,
    key: string,
    work: (offered: <V>(call: () => Promise<V>) => () => Promise<V>) => Promise<T>,
  ): Promise<T> => {
    const pages = options.firstSyncPages?.(source);
    if (!pages) return work((call) => call);
    const own = () =>
      work((call) => () => {
        const value = call();
        pages.offer(key, value);
        return value;
      });
    const taken = pages.take<T>(key, cache?.policy(source).ttlMs ?? 0);
    return taken ? taken.then((page) => page ?? own(), own) : own();
  };
  const memo = new Map<string, Promise<unknown>>();
  const listed: Array<[SecretSource, SecretRecord[]]> = [];
  return {
    scope,
    totals: options.totals ?? new Map<string, number>(),
    once<T>(key: string, work: () => Promise<T>): Promise<T> {
      let found = memo.get(key) as Promise<T> | undefined;
      if (!found) {
        found = work();
        memo.set(key, found);
        found.catch(() => memo.delete(key));
      }
      return found;
    },
    shared: (source, key, work) =>
      withFirstSync(source, key, (offered) =>
        cache ? cache.store.get(key, cache.policy(source), offered(work)) : offered(work)(),
      ),
    ahead: (source, key, budget, work) =>
      withFirstSync(source, key, (offered) =>
        cache && scope
          ? cache.store.prefetch(
              key,
              cache.policy(source),
              offered(() =>
                budget.take()
                  ? work(speculative(scope))
                  : Promise.reject(new Error("the request's prefetch budget is spent")),
              ),
            )
          : Promise.resolve(undefined),
      ).catch(() => undefined),
    peekMany: async (source, keys) => (cache ? cache.store.peekMany(keys, cache.policy(source)) : []),
    keep(source, key, value) {
      if (cache) void cache.store.set(key, cache.policy(source), value);
    },
    listed(source, records) {
      if (records.length > 0) listed.push([source, records]);
    },
    drainListed(each) {
      for (const [source, records] of listed.splice(0)) for (const record of records) each(source, record);
    },
  };
}

/** A key of one namespace, as the per-request loaders batch it. */
export const keyOf = (namespaceId: string, key: string) => JSON.stringify([namespaceId, key]);

/** A record's or detail's key in the cross-request cache. */
export const sharedKey = (source: SecretSource, kind: 'record' | 'detail', namespaceId: string, key: string) =>
  JSON.stringify([kind, source.id, namespaceId, key]);

export const totalKey = (source: SecretSource, namespaceId: string) => JSON.stringify([source.id, namespaceId]);

export function groupByNamespace(keys: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const [namespaceId, key] = JSON.parse(k) as [string, string];
    const list = groups.get(namespaceId) ?? [];
    list.push(key);
    groups.set(namespaceId, list);
  }
  return groups;
}

/**
 * Cached answers for a namespace's keys are set into `found`; the keys still to be asked are returned.
 */
export async function unlessCached<T>(
  memo: RequestMemo,
  source: SecretSource,
  kind: 'record' | 'detail',
  namespaceId: string,
  requested: string[],
  found: Map<string, T | Error>,
): Promise<string[]> {
  const hits = await memo.peekMany<T>(
    source,
    requested.map((key) => sharedKey(source, kind, namespaceId, key)),
  );
  return requested.filter((key, i) => {
    const hit = hits[i];
    if (hit !== undefined) found.set(keyOf(namespaceId, key), hit);
    return hit === undefined;
  });
}
