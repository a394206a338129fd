import { describe, expect, it } from 'vitest';
import { guardLoaders } from '../../src/auth/guarded-loaders.js';
import type { SourceView } from '../../src/auth/source-view.js';
import { MetadataCache } from '../../src/cache/metadata-cache.js';
import { createLoaders, type Loaders } from '../../src/loaders/index.js';
import { pageNumberPaging } from '../../src/pagination/paging/page-number.js';
import { kmsRecord } from '../helpers/records.js';
import type { PushedQuery } from '../../src/domain/records.js';
import type { SecretSource } from '../../src/sources/types.js';

/**
 * The per-request loaders against a fake source (plain functions counting what they are asked):
 * identical calls made once, lookups by key batched and served from what lists already returned,
 * detail calls batched, a failing namespace failing only its keys, and the cross-request cache
 * keyed by what was asked.
 */
const record = (namespaceId: string, name: string) => kmsRecord(name, { sourceId: 'fake', namespaceId });

function fakeSource(counts: Record<string, number>, failing = new Set<string>()) {
  const asked: string[] = [];
  const inventory = Object.fromEntries(
    Object.entries(counts).map(([ns, n]) => [
      ns,
      Array.from({ length: n }, (_, i) => record(ns, `${ns}-s${String(i).padStart(3, '0')}`)),
    ]),
  );
  const check = (ns: string) => {
    if (failing.has(ns)) throw new Error(`namespace ${ns} is down`);
  };
  const paging = pageNumberPaging({
    maxPageSize: 10,
    async fetchPage(ns: string, _query: PushedQuery, pageNumber: number, pageSize: number) {
      asked.push(`list ${ns} ${pageNumber}x${pageSize}`);
      check(ns);
      return {
        items: inventory[ns].slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
        totalCount: inventory[ns].length,
      };
    },
  });
  const source: SecretSource = {
    id: 'fake',
    provider: 'alibaba-kms',
    region: 'r',
    keyIsName: true,
    filterableFields: [],
    pushdown: () => ({ query: {}, complete: true }),
    paging,
    lookup: {
      kind: 'batch',
      maxBatchSize: 3,
      async fetch(ns, keys) {
        asked.push(`lookup ${ns} ${keys.join(',')}`);
        check(ns);
        return keys.map((key) => inventory[ns].find((r) => r.key === key) ?? null);
      },
    },
    async listNamespaces() {
      asked.push('namespaces');
      return Object.keys(counts).map((id) => ({
        sourceId: 'fake',
        provider: 'alibaba-kms',
        id,
        name: id,
        kind: 'REGION',
        region: 'r',
        description: null,
      }));
    },
    async describe(ns, keys) {
      asked.push(`describe ${ns} ${keys.length}`);
      return keys.map(() => ({
        description: 'd',
        arn: null,
        encryptionKeyId: null,
        automaticRotation: null,
        rotationInterval: null,
        lastRotationDate: null,
        nextRotationDate: null,
        extendedConfig: null,
        dkmsInstanceId: null,
      }));
    },
    async reveal() {
      throw new Error('values never go through these loaders');
    },
  };
  /** Page `n` of `size` of a namespace, read through the loaders. */
  const page = (loaders: Loaders, ns: string, n: number, size: number, query: PushedQuery = {}) => {
    const lists = loaders.fetchers(source, ns, query);
    return lists.read(paging.call(lists, n, size));
  };
  return { source, asked, page, paging };
}

describe('per-request loaders', () => {
  it('make an identical list call once, however many ask', async () => {
    const { asked, page } = fakeSource({ a: 25 });
    const loaders = createLoaders();
    await Promise.all([page(loaders, 'a', 1, 10), page(loaders, 'a', 1, 10), page(loaders, 'a', 1, 10)]);
    expect(asked).toEqual(['list a 1x10']);
  });

  it('look keys up in batches of the provider size, and not at all for keys a list already returned', async () => {
    const { source, asked, page } = fakeSource({ a: 25 });
    const loaders = createLoaders();
    await page(loaders, 'a', 1, 10);
    const keys = ['a-s001', 'a-s012', 'a-s013', 'a-s014', 'a-s099'];
    const found = await Promise.all(keys.map((key) => loaders.record(source, 'a', key)));
    expect(found.map((r) => r?.name ?? null)).toEqual(['a-s001', 'a-s012', 'a-s013', 'a-s014', null]);
    // a-s001 came with page 1; the four others in two batches of at most three.
    expect(asked.filter((a) => a.startsWith('lookup'))).toEqual(['lookup a a-s012,a-s013,a-s014', 'lookup a a-s099']);
  });

  it('batch detail calls, and a namespace that fails fails only its own keys', async () => {
    const { source, asked } = fakeSource({ a: 5, b: 5 }, new Set(['b']));
    const loaders = createLoaders();
    const results = await Promise.allSettled([
      loaders.record(source, 'a', 'a-s000'),
      loaders.record(source, 'b', 'b-s000'),
      loaders.record(source, 'a', 'a-s001'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const records = results.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
    await Promise.all(records.map((r) => loaders.detail(source, r)));
    expect(asked.filter((a) => a.startsWith('describe'))).toEqual(['describe a 2']);
  });

  it('a shared cache serves the next request what the first asked, and nothing it did not', async () => {
    const { asked, page } = fakeSource({ a: 25 });
    const store = new MetadataCache();
    const cache = { store, policy: () => ({ ttlMs: 60_000, staleMs: 0 }) };
    await page(createLoaders({ cache }), 'a', 2, 10);
    await page(createLoaders({ cache }), 'a', 2, 10);
    expect(asked).toEqual(['list a 2x10']);
    // Another question (another page size, another pushed-down query) is another call.
    await page(createLoaders({ cache }), 'a', 2, 5);
    await page(createLoaders({ cache }), 'a', 2, 10, { Filters: 'x' });
    expect(asked).toEqual(['list a 2x10', 'list a 2x5', 'list a 2x10']);
  });

  it('lookups weigh batches against a scan by the namespace size an unfiltered list told', async () => {
    const { source, asked, page } = fakeSource({ a: 8 });
    const totals = new Map<string, number>();
    const keys = ['a-s001', 'a-s002', 'a-s003', 'a-s004'];
    const lookUp = async () => {
      const loaders = createLoaders({ totals });
      return (await Promise.all(keys.map((key) => loaders.record(source, 'a', key)))).map((r) => r?.name);
    };
    // Size unknown, and two batches are few: batches.
    expect(await lookUp()).toEqual(keys);
    expect(asked).toEqual(['namespaces', 'lookup a a-s001,a-s002,a-s003', 'lookup a a-s004']);
    // A filtered list does not tell the namespace's size.
    await page(createLoaders({ totals }), 'a', 1, 5, { Filters: 'x' });
    asked.length = 0;
    await lookUp();
    expect(asked).toEqual(['namespaces', 'lookup a a-s001,a-s002,a-s003', 'lookup a a-s004']);
    // An unfiltered one does (8 rows: one page), and the next request scans instead of batching.
    await page(createLoaders({ totals }), 'a', 1, 5);
    asked.length = 0;
    expect(await lookUp()).toEqual(keys);
    expect(asked).toEqual(['namespaces', 'list a 1x10']);
  });

  it('with the size unknown and many batches, page 1 is read first: it tells the size and serves its keys', async () => {
    const { source, asked } = fakeSource({ a: 25 });
    const loaders = createLoaders();
    const keys = Array.from({ length: 13 }, (_, i) => `a-s${String(i + 5).padStart(3, '0')}`);
    const found = await Promise.all(keys.map((key) => loaders.record(source, 'a', key)));
    expect(found.map((r) => r?.name)).toEqual(keys);
    // 8 keys beyond page 1 take three batches; the two pages left take two calls (page 1 is not read again).
    expect(asked).toEqual(['namespaces', 'list a 1x10', 'list a 2x10', 'list a 3x10']);
  });

  it('behind the grant, a namespace outside it or unknown to the source lists nothing, without a call to it', async () => {
    const { source, asked, paging } = fakeSource({ a: 5, b: 5 });
    const view: SourceView = {
      list: [source],
      get: () => source,
      allows: (_source, ns) => ns !== 'b',
      position: () => 0,
    };
    const loaders = guardLoaders(createLoaders(), view);
    for (const ns of ['b', 'zzz']) {
      const lists = loaders.fetchers(source, ns, {});
      expect(await lists.read(paging.call(lists, 1, 10))).toEqual({ items: [], totalCount: 0 });
    }
    expect(loaders.fetchers(source, 'b', {}).ahead).toBeUndefined();
    const granted = loaders.fetchers(source, 'a', {});
    expect((await granted.read(paging.call(granted, 1, 10))).items).toHaveLength(5);
    expect(asked).toEqual(['namespaces', 'list a 1x10']);
  });
});
