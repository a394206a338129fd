import DataLoader from 'dataloader';
import type { CachePolicy, MetadataStore } from '../cache/metadata-cache.js';
import type { PrefetchBudget, SegmentFetchers } from '../pagination/segment.js';
import type { RequestScope } from '../upstream/request-scope.js';
import type {
  MarkerPage,
  NamespaceRecord,
  PageNumberPage,
  PushedQuery,
  SecretDetail,
  SecretRecord,
  SecretSource,
  TokenPage,
} from '../sources/types.js';

/**
 * Per-request loaders: every upstream read of a request goes through here, so identical calls
 * are made once, lookups by key are batched, and what a list returned is never fetched again.
 */
export interface Loaders {
  namespaces(source: SecretSource): Promise<NamespaceRecord[]>;
  fetchers(source: SecretSource, namespaceId: string, query: PushedQuery): SegmentFetchers;
  record(source: SecretSource, namespaceId: string, key: string): Promise<SecretRecord | null>;
  /** By name (federation's natural key): a key lookup where names are keys, else one scan of the namespace. */
  recordByName(source: SecretSource, namespaceId: string, name: string): Promise<SecretRecord | null>;
  detail(source: SecretSource, record: SecretRecord): Promise<SecretDetail | null>;
}

const keyOf = (namespaceId: string, key: string) => JSON.stringify([namespaceId, key]);

function groupByNamespace(keys: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const k of keys) {
    const [namespaceId, key] = JSON.parse(k) as [string, string];
    const list = groups.get(namespaceId) ?? [];
    list.push(key);
    groups.set(namespaceId, list);
  }
  return groups;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
}

export function createLoaders(options: LoaderOptions = {}): Loaders {
  const totals = options.totals ?? new Map<string, number>();
  const cache = options.cache;
  const scope = options.scope;
  /** Through the cross-request cache when the source has one; values never come this way. */
  const shared = <T>(source: SecretSource, key: string, work: () => Promise<T>): Promise<T> =>
    cache ? cache.store.get(key, cache.policy(source), work) : work();
  // Prefetches outlive the request's answer: they get their own deadline and retry counts (none), never the request's.
  const speculative = (request: RequestScope): RequestScope => ({
    ...request,
    speculative: true,
    retries: new Map(),
    deadline: Date.now() + PREFETCH_DEADLINE_MS,
  });
  /** A page read ahead of the client, into the cross-request cache; undefined when it was refused or failed (or outside a request). */
  const ahead = <T>(
    source: SecretSource,
    key: string,
    budget: PrefetchBudget,
    work: (scope: RequestScope) => Promise<T>,
  ): Promise<T | undefined> =>
    cache && scope
      ? cache.store.prefetch(key, cache.policy(source), () =>
          budget.take()
            ? work(speculative(scope))
            : Promise.reject(new Error("the request's prefetch budget is spent")),
        )
      : Promise.resolve(undefined);
  const sharedKey = (source: SecretSource, kind: string, namespaceId: string, key: string) =>
    JSON.stringify([kind, source.id, namespaceId, key]);
  const totalKey = (source: SecretSource, namespaceId: string) => JSON.stringify([source.id, namespaceId]);
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    let found = memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = work();
      memo.set(key, found);
      // A failed call may be retried by a later field of the same request.
      found.catch(() => memo.delete(key));
    }
    return found;
  };

  const recordLoaders = new Map<string, DataLoader<string, SecretRecord | null>>();
  const detailLoaders = new Map<string, DataLoader<string, SecretDetail | null>>();

  // What lists returned serves later lookups by key in the request, but is put into the loaders
  // only when a lookup first comes: most requests (a page of a list) make none, and an SAE
  // namespace list holds hundreds of records.
  const listed: Array<[SecretSource, SecretRecord[]]> = [];
  const prime = (source: SecretSource, records: SecretRecord[]) => {
    if (records.length > 0) listed.push([source, records]);
    return records;
  };
  const primeListed = () => {
    for (const [source, records] of listed.splice(0)) {
      const records_ = recordLoader(source);
      for (const record of records) {
        records_.prime(keyOf(record.namespaceId, record.key), record);
        if (record.detail) detailLoader(source).prime(keyOf(record.namespaceId, record.key), record.detail);
      }
    }
  };
  const loadRecord = (source: SecretSource, namespaceId: string, key: string) => {
    primeListed();
    return recordLoader(source).load(keyOf(namespaceId, key));
  };

  function fetchers(source: SecretSource, namespaceId: string, query: PushedQuery): SegmentFetchers {
    const base = JSON.stringify([source.id, namespaceId, query]);
    const paging = source.paging;
    /**
     * One list call as the cloud is asked it: the key (for the request memo and the shared cache)
     * and the call. Null when the source does not page that way.
     */
    interface ListCall<T> {
      key: string;
      call(scope?: RequestScope): Promise<T>;
    }
    const calls = {
      page: (pageNumber: number, pageSize: number): ListCall<PageNumberPage> | null =>
        paging.kind === 'page-number'
          ? {
              key: `page:${base}:${pageNumber}:${pageSize}`,
              call: (s) => paging.fetchPage(namespaceId, query, pageNumber, pageSize, s),
            }
          : null,
      marker: (marker: string | null, limit: number): ListCall<MarkerPage> | null =>
        paging.kind === 'marker'
          ? {
              key: `marker:${base}:${marker}:${limit}`,
              call: (s) => paging.fetchPage(namespaceId, query, marker, limit, s),
            }
          : null,
      token: (token: string | null, pageSize: number): ListCall<TokenPage> | null =>
        paging.kind === 'token'
          ? {
              key: `token:${base}:${token}:${pageSize}`,
              call: (s) => paging.fetchPage(namespaceId, query, token, pageSize, s),
            }
          : null,
      all: (): ListCall<SecretRecord[]> | null =>
        paging.kind === 'none' ? { key: `all:${base}`, call: (s) => paging.fetchAll(namespaceId, query, s) } : null,
    };
    /** Once per request, through the shared cache; what it lists serves later lookups by key. */
    const read = <T extends SecretRecord[] | { items: SecretRecord[] }>(request: ListCall<T> | null, kind: string) => {
      if (!request) return Promise.reject(new Error(`${source.provider} pages by ${paging.kind}, not by ${kind}`));
      return once(request.key, async () => {
        const result = await shared(source, request.key, () => request.call(scope));
        prime(source, Array.isArray(result) ? result : result.items);
        return result;
      });
    };
    const readAhead = <T>(request: ListCall<T> | null, budget: PrefetchBudget): Promise<T | undefined> =>
      request ? ahead(source, request.key, budget, request.call) : Promise.resolve(undefined);
    return {
      page: async (pageNumber, pageSize) => {
        const page = await read(calls.page(pageNumber, pageSize), 'page number');
        // Only an unfiltered list tells the namespace's size (for lookups deciding between batches and a scan).
        if (Object.values(query).every((v) => v === undefined))
          totals.set(totalKey(source, namespaceId), page.totalCount);
        return page;
      },
      marker: (marker, limit) => read(calls.marker(marker, limit), 'marker'),
      token: (token, pageSize) => read(calls.token(token, pageSize), 'token'),
      all: () => read(calls.all(), 'one unpaged list'),
      ahead: {
        page: (pageNumber, pageSize, budget) => readAhead(calls.page(pageNumber, pageSize), budget),
        marker: (marker, limit, budget) => readAhead(calls.marker(marker, limit), budget),
        token: (token, pageSize, budget) => readAhead(calls.token(token, pageSize), budget),
        all: (budget) => readAhead(calls.all(), budget),
      },
    };
  }

  /** Every record of a namespace, in the fewest list calls: page 1 tells the total, the rest go in parallel. */
  function scan(source: SecretSource, namespaceId: string): Promise<SecretRecord[]> {
    return once(`scan:${source.id}:${namespaceId}`, async () => {
      const fetch = fetchers(source, namespaceId, {});
      const paging = source.paging;
      if (paging.kind === 'none') return fetch.all();
      if (paging.kind === 'token') {
        const all: SecretRecord[] = [];
        for (let token: string | null = null; ; ) {
          const page = await fetch.token(token, paging.pageSize);
          all.push(...page.items);
          if (!page.nextToken) return all;
          token = page.nextToken;
        }
      }
      if (paging.kind === 'page-number') {
        const size = paging.maxPageSize;
        const first = await fetch.page(1, size);
        const pages = Array.from({ length: Math.ceil(first.totalCount / size) - 1 }, (_, i) => i + 2);
        const rest = await Promise.all(pages.map((p) => fetch.page(p, size)));
        return [first, ...rest].flatMap((page) => page.items);
      }
      const all: SecretRecord[] = [];
      const seen = new Set<string>();
      let marker: string | null = null;
      for (;;) {
        const page = await fetch.marker(marker, paging.maxLimit);
        for (const item of page.items) if (!seen.has(item.key)) seen.add(item.key), all.push(item);
        if (!page.nextMarker || page.items.length === 0) return all;
        marker = paging.markerOf(page.items[page.items.length - 1]);
      }
    });
  }

  /**
   * Keys of one namespace through the provider's batch lookup, unless reading the whole list takes
   * fewer calls. The namespace's size decides; when it is unknown and the batches would take more
   * than four calls, page 1 of the list is read to learn it (and serves its keys).
   */
  async function lookupBatch(
    source: SecretSource,
    lookup: Extract<SecretSource['lookup'], { kind: 'batch' }>,
    namespaceId: string,
    keys: string[],
  ) {
    const found = new Map<string, SecretRecord | null | Error>();
    let missing = keys;
    const paging = source.paging;
    const batchCalls = (n: number) => Math.ceil(n / lookup.maxBatchSize);
    if (paging.kind === 'page-number') {
      let total = totals.get(totalKey(source, namespaceId));
      let scanCalls = total === undefined ? Infinity : Math.ceil(total / paging.maxPageSize);
      if (total === undefined && batchCalls(keys.length) > 4) {
        const first = await fetchers(source, namespaceId, {}).page(1, paging.maxPageSize);
        const inFirst = new Map(first.items.map((r) => [r.key, r]));
        missing = keys.filter((k) => !inFirst.has(k));
        for (const k of keys) if (inFirst.has(k)) found.set(k, inFirst.get(k)!);
        total = first.totalCount;
        scanCalls = Math.ceil(total / paging.maxPageSize) - 1;
      }
      if (missing.length > 0 && scanCalls < batchCalls(missing.length)) {
        const byKey = new Map((await scan(source, namespaceId)).map((r) => [r.key, r]));
        for (const k of missing) found.set(k, byKey.get(k) ?? null);
        return found;
      }
    }
    await Promise.all(
      chunk(missing, lookup.maxBatchSize).map(async (batch) => {
        const results: Array<SecretRecord | null | Error> = await lookup
          .fetch(namespaceId, batch, scope)
          .catch((error: Error) => batch.map(() => error));
        // Providers looked up by key alone (KMS names, APIG ids) answer for any namespace: hold them to the one asked.
        batch.forEach((key, i) => {
          const result = results[i];
          found.set(
            key,
            result instanceof Error || result === null || result.namespaceId === namespaceId ? result : null,
          );
        });
        prime(
          source,
          results.filter(
            (r): r is SecretRecord => r !== null && !(r instanceof Error) && r.namespaceId === namespaceId,
          ),
        );
      }),
    );
    return found;
  }

  function recordLoader(source: SecretSource): DataLoader<string, SecretRecord | null> {
    let loader = recordLoaders.get(source.id);
    if (loader) return loader;
    const lookup = source.lookup;
    loader = new DataLoader<string, SecretRecord | null>(async (keys) => {
      const found = new Map<string, SecretRecord | null | Error>();
      await Promise.all(
        [...groupByNamespace(keys)].map(async ([namespaceId, requested]) => {
          try {
            const hits = cache
              ? await cache.store.peekMany<SecretRecord | null>(
                  requested.map((key) => sharedKey(source, 'record', namespaceId, key)),
                  cache.policy(source),
                )
              : [];
            const wanted = requested.filter((key, i) => {
              const hit = hits[i];
              if (hit !== undefined) found.set(keyOf(namespaceId, key), hit);
              return hit === undefined;
            });
            if (wanted.length === 0) return;
            if (lookup.kind === 'via-list') {
              const all = await fetchers(source, namespaceId, {}).all();
              const byKey = new Map(all.map((r) => [r.key, r]));
              for (const key of wanted) found.set(keyOf(namespaceId, key), byKey.get(key) ?? null);
              return;
            }
            for (const [key, record] of await lookupBatch(source, lookup, namespaceId, wanted)) {
              found.set(keyOf(namespaceId, key), record);
              if (cache && !(record instanceof Error))
                void cache.store.set(sharedKey(source, 'record', namespaceId, key), cache.policy(source), record);
            }
          } catch (error) {
            // A namespace that failed fails only its own keys.
            for (const key of requested)
              if (!found.has(keyOf(namespaceId, key))) found.set(keyOf(namespaceId, key), error as Error);
          }
        }),
      );
      return keys.map((k) => found.get(k) ?? null);
    });
    recordLoaders.set(source.id, loader);
    return loader;
  }

  function detailLoader(source: SecretSource): DataLoader<string, SecretDetail | null> {
    let loader = detailLoaders.get(source.id);
    if (loader) return loader;
    loader = new DataLoader<string, SecretDetail | null>(
      async (keys) => {
        if (!source.describe) return keys.map(() => null);
        const found = new Map<string, SecretDetail | null | Error>();
        const cacheKey = (namespaceId: string, key: string) => sharedKey(source, 'detail', namespaceId, key);
        await Promise.all(
          [...groupByNamespace(keys)].map(async ([namespaceId, requested]) => {
            const hits = cache
              ? await cache.store.peekMany<SecretDetail | null>(
                  requested.map((key) => cacheKey(namespaceId, key)),
                  cache.policy(source),
                )
              : [];
            const wanted = requested.filter((key, i) => {
              const hit = hits[i];
              if (hit !== undefined) found.set(keyOf(namespaceId, key), hit);
              return hit === undefined;
            });
            if (wanted.length === 0) return;
            const results = await source.describe!(namespaceId, wanted, scope).catch((error: Error) =>
              wanted.map(() => error),
            );
            wanted.forEach((key, i) => {
              found.set(keyOf(namespaceId, key), results[i]);
              if (cache && !(results[i] instanceof Error))
                void cache.store.set(cacheKey(namespaceId, key), cache.policy(source), results[i]);
            });
          }),
        );
        return keys.map((k) => found.get(k) ?? null);
      },
      { maxBatchSize: options.maxDetailBatch ?? 100 },
    );
    detailLoaders.set(source.id, loader);
    return loader;
  }

  const namespaces = (source: SecretSource) =>
    once(`namespaces:${source.id}`, () =>
      shared(source, `namespaces:${source.id}`, () => source.listNamespaces(scope)),
    );
  const hasNamespace = async (source: SecretSource, namespaceId: string) =>
    (await namespaces(source)).some((ns) => ns.id === namespaceId);

  return {
    namespaces,
    fetchers,
    // A namespace the source does not have holds nothing: no call is made for it.
    record: async (source, namespaceId, key) =>
      (await hasNamespace(source, namespaceId)) ? loadRecord(source, namespaceId, key) : null,
    recordByName: async (source, namespaceId, name) => {
      if (!(await hasNamespace(source, namespaceId))) return null;
      return source.keyIsName
        ? loadRecord(source, namespaceId, name)
        : ((await scan(source, namespaceId)).find((r) => r.name === name) ?? null);
    },
    detail: (source, record) => {
      if (record.detail) return Promise.resolve(record.detail);
      primeListed();
      return detailLoader(source).load(keyOf(record.namespaceId, record.key));
    },
  };
}
