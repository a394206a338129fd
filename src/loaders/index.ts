import DataLoader from 'dataloader';
import type { SegmentFetchers } from '../pagination/segment.js';
import type { MarkerPage, NamespaceRecord, PageNumberPage, PushedQuery, SecretDetail, SecretRecord, SecretSource } from '../sources/types.js';

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

/** Last total seen per source and namespace, kept across requests: counts only, never records. */
export type KnownTotals = Map<string, number>;

export function createLoaders(options: { maxDetailBatch?: number; totals?: KnownTotals } = {}): Loaders {
  const totals = options.totals ?? new Map<string, number>();
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

  const prime = (source: SecretSource, records: SecretRecord[]) => {
    const records_ = recordLoader(source);
    for (const record of records) {
      records_.prime(keyOf(record.namespaceId, record.key), record);
      if (record.detail) detailLoader(source).prime(keyOf(record.namespaceId, record.key), record.detail);
    }
    return records;
  };

  function fetchers(source: SecretSource, namespaceId: string, query: PushedQuery): SegmentFetchers {
    const base = JSON.stringify([source.id, namespaceId, query]);
    const paging = source.paging;
    return {
      page: (pageNumber, pageSize) => {
        if (paging.kind !== 'page-number') throw new Error(`${source.provider} does not page by number`);
        return once(`page:${base}:${pageNumber}:${pageSize}`, async () => {
          const page: PageNumberPage = await paging.fetchPage(namespaceId, query, pageNumber, pageSize);
          if (Object.values(query).every((v) => v === undefined)) totals.set(totalKey(source, namespaceId), page.totalCount);
          prime(source, page.items);
          return page;
        });
      },
      marker: (marker, limit) => {
        if (paging.kind !== 'marker') throw new Error(`${source.provider} does not page by marker`);
        return once(`marker:${base}:${marker}:${limit}`, async () => {
          const page: MarkerPage = await paging.fetchPage(namespaceId, query, marker, limit);
          prime(source, page.items);
          return page;
        });
      },
      all: () => {
        if (paging.kind !== 'none') throw new Error(`${source.provider} pages its list`);
        return once(`all:${base}`, async () => prime(source, await paging.fetchAll(namespaceId, query)));
      },
    };
  }

  /** Every record of a namespace, in the fewest list calls: page 1 tells the total, the rest go in parallel. */
  function scan(source: SecretSource, namespaceId: string): Promise<SecretRecord[]> {
    return once(`scan:${source.id}:${namespaceId}`, async () => {
      const fetch = fetchers(source, namespaceId, {});
      const paging = source.paging;
      if (paging.kind === 'none') return fetch.all();
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
        for (const item of page.items) if (!seen.has(item.key)) (seen.add(item.key), all.push(item));
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
  async function lookupBatch(source: SecretSource, lookup: Extract<SecretSource['lookup'], { kind: 'batch' }>, namespaceId: string, keys: string[]) {
    const found = new Map<string, SecretRecord | null>();
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
        const results = await lookup.fetch(namespaceId, batch);
        batch.forEach((key, i) => found.set(key, results[i]));
        prime(source, results.filter((r): r is SecretRecord => r !== null));
      }),
    );
    return found;
  }

  function recordLoader(source: SecretSource): DataLoader<string, SecretRecord | null> {
    let loader = recordLoaders.get(source.id);
    if (loader) return loader;
    const lookup = source.lookup;
    loader = new DataLoader<string, SecretRecord | null>(async (keys) => {
      const found = new Map<string, SecretRecord | null>();
      await Promise.all(
        [...groupByNamespace(keys)].map(async ([namespaceId, wanted]) => {
          if (lookup.kind === 'via-list') {
            const all = await fetchers(source, namespaceId, {}).all();
            const byKey = new Map(all.map((r) => [r.key, r]));
            for (const key of wanted) found.set(keyOf(namespaceId, key), byKey.get(key) ?? null);
            return;
          }
          for (const [key, record] of await lookupBatch(source, lookup, namespaceId, wanted)) found.set(keyOf(namespaceId, key), record);
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
        const found = new Map<string, SecretDetail | null>();
        await Promise.all(
          [...groupByNamespace(keys)].map(async ([namespaceId, wanted]) => {
            const results = await source.describe!(namespaceId, wanted);
            wanted.forEach((key, i) => found.set(keyOf(namespaceId, key), results[i]));
          }),
        );
        return keys.map((k) => found.get(k) ?? null);
      },
      { maxBatchSize: options.maxDetailBatch ?? 100 },
    );
    detailLoaders.set(source.id, loader);
    return loader;
  }

  return {
    namespaces: (source) => once(`namespaces:${source.id}`, () => source.listNamespaces()),
    fetchers,
    record: (source, namespaceId, key) => recordLoader(source).load(keyOf(namespaceId, key)),
    recordByName: async (source, namespaceId, name) =>
      source.keyIsName ? recordLoader(source).load(keyOf(namespaceId, name)) : ((await scan(source, namespaceId)).find((r) => r.name === name) ?? null),
    detail: (source, record) => (record.detail ? Promise.resolve(record.detail) : detailLoader(source).load(keyOf(record.namespaceId, record.key))),
  };
}
