import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markerPaging } from '../../src/pagination/paging/marker.js';
import { pageNumberPaging } from '../../src/pagination/paging/page-number.js';
import { tokenPaging } from '../../src/pagination/paging/token.js';
import { unpagedPaging } from '../../src/pagination/paging/unpaged.js';
import { PositionError, PrefetchBudget, type Slice } from '../../src/pagination/segment.js';
import type { PushedQuery, SecretRecord } from '../../src/domain/records.js';
import { directLists } from '../helpers/lists.js';
import { SyncPages } from '../../src/inventory/sync-pages.js';
import { segmentLists } from '../../src/loaders/lists.js';
import { createMemo } from '../../src/loaders/memo.js';
import type { SegmentLists } from '../../src/pagination/paging/scheme.js';
import type { SecretSource } from '../../src/sources/types.js';
import { kmsRecord } from '../helpers/records.js';

/**
 * Each paging scheme against a fake provider: the exact list calls (by their cache keys, which the
 * shared cache and every replica rely on), the positions its cursors carry, read-ahead within the
 * budget, and positions it cannot mean.
 */

const record = (name: string) => kmsRecord(name);
const inventory = (n: number): SecretRecord[] =>
  Array.from({ length: n }, (_, i) => record(`s-${String(i).padStart(3, '0')}`));
/** The segment part of every list call's key, as directLists() names its segment. */
const K = '["src","ns",{}]';
const names = (slice: Slice) => slice.entries.map((e) => e.record.name);
const positions = (slice: Slice) => slice.entries.map((e) => e.position);
/** Read-ahead chains run in the background: let them finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('page-number paging', () => {
  const items = inventory(23);
  const scheme = pageNumberPaging({
    maxPageSize: 10,
    async fetchPage(_ns, _query, pageNumber, pageSize) {
      return { items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize), totalCount: items.length };
    },
  });

  it('without the cache: a window becomes the fewest provider pages sized to it; positions are row indexes', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null);
    const first = await pager.forward(null, 5);
    expect(positions(first)).toEqual([0, 1, 2, 3, 4]);
    expect(first.hasMore).toBe(true);
    const second = await pager.forward(4, 5);
    expect(names(second)).toEqual(['s-005', 's-006', 's-007', 's-008', 's-009']);
    const last = await pager.forward(19, 5);
    expect(positions(last)).toEqual([20, 21, 22]);
    expect(last.hasMore).toBe(false);
    expect(lists.reads).toEqual([`page:${K}:1:5`, `page:${K}:2:5`, `page:${K}:6:4`]);
  });

  it('with the cache: whole aligned pages, and the pages after the window read ahead within the budget', async () => {
    const lists = directLists('ns', {}, { ahead: true });
    await scheme.pager(lists, null, { readAhead: true }).forward(null, 5);
    // A first page is not a walk yet: nothing read ahead.
    expect(lists.reads).toEqual([`page:${K}:1:10`]);
    expect(lists.aheads).toEqual([]);
    // The next request carries the total in its cursor: the read-ahead goes out beside its own page, up to the total.
    const next = scheme.pager(lists, null, { readAhead: true });
    next.useHint(23);
    expect(positions(await next.forward(4, 5, new PrefetchBudget(12)))).toEqual([5, 6, 7, 8, 9]);
    expect(lists.aheads).toEqual([`page:${K}:2:10`, `page:${K}:3:10`]);
    expect(lists.reads).toEqual([`page:${K}:1:10`, `page:${K}:1:10`]);
    // A spent budget stops it.
    const poor = directLists('ns', {}, { ahead: true });
    const pager = scheme.pager(poor, null, { readAhead: true });
    pager.useHint(23);
    await pager.forward(4, 5, new PrefetchBudget(1));
    expect(poor.aheads).toEqual([`page:${K}:2:10`]);
  });

  it('backward from the end learns the total from page 1, then reads the last page', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null, { readAhead: true });
    const last = await pager.backward(null, 3);
    expect(positions(last)).toEqual([20, 21, 22]);
    expect(last.hasMore).toBe(true);
    expect(positions(await pager.backward(20, 3))).toEqual([17, 18, 19]);
    expect(lists.reads).toEqual([`page:${K}:1:10`, `page:${K}:3:10`, `page:${K}:2:10`]);
  });

  it('under a filter the gateway applies: whole pages, the rows’ own indexes, and no count', async () => {
    const lists = directLists();
    const filter = (record: SecretRecord) => record.name.includes('1');
    const pager = scheme.pager(lists, filter);
    const slice = await pager.forward(null, 3);
    expect(names(slice)).toEqual(['s-001', 's-010', 's-011']);
    expect(positions(slice)).toEqual([1, 10, 11]);
    expect(slice.hasMore).toBe(true);
    expect(lists.reads).toEqual([`page:${K}:1:10`, `page:${K}:2:10`]);
    expect(scheme.countable(filter)).toBe(false);
    expect(pager.countable).toBe(false);
    expect(await pager.count()).toBeNull();
  });

  it('counts from the total of page 1, once', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null);
    expect(scheme.countable(null)).toBe(true);
    expect(await pager.count()).toBe(23);
    expect(await pager.count()).toBe(23);
    expect(lists.reads).toEqual([`page:${K}:1:10`]);
  });

  it('a position that is not an index is a PositionError, and costs no call', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null);
    for (const position of ['2:', -1, 1.5]) {
      await expect(pager.forward(position, 2)).rejects.toBeInstanceOf(PositionError);
      await expect(pager.backward(position, 2)).rejects.toBeInstanceOf(PositionError);
    }
    expect(lists.reads).toEqual([]);
  });

  it('scans in the fewest calls, and tells lookups what a scan costs', async () => {
    const lists = directLists();
    expect((await scheme.scan(lists)).map((r) => r.name)).toEqual(items.map((r) => r.name));
    expect(lists.reads).toEqual([`page:${K}:1:10`, `page:${K}:2:10`, `page:${K}:3:10`]);
    expect(scheme.sizing?.calls(23)).toBe(3);
    expect(scheme.sizing?.calls(20)).toBe(2);
    const first = await scheme.sizing!.first(directLists());
    expect({ rows: first.items.length, total: first.total }).toEqual({ rows: 10, total: 23 });
  });
});

describe('page-number scan while the list changes', () => {
  /** 23 rows in pages of 10; one is deleted at the cloud just after page 1 is first read, before pages 2 and 3. */
  const shrinking = () => {
    const items = inventory(23);
    const counted = { calls: 0 };
    let deleteAfterFirstPage = true;
    const scheme = pageNumberPaging({
      maxPageSize: 10,
      async fetchPage(_ns, _query, pageNumber, pageSize) {
        counted.calls++;
        const page = {
          items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
          totalCount: items.length,
        };
        if (pageNumber === 1 && deleteAfterFirstPage) {
          deleteAfterFirstPage = false;
          items.splice(3, 1);
        }
        return page;
      },
    });
    return { items, counted, scheme };
  };

  it('reads the pages again when they disagree on the total, so that no row is lost to the shift', async () => {
    const { items, scheme } = shrinking();
    const lists = directLists();
    const scanned = (await scheme.scan(lists)).map((r) => r.name);
    expect(scanned).toEqual(items.map((r) => r.name));
    expect(scanned).toHaveLength(22);
    expect(lists.reads).toHaveLength(6);
  });

  it('reads them again through a request’s loaders and through the first sync’s pages, which would answer a call once', async () => {
    for (const via of ['loaders', 'first sync'] as const) {
      const { items, counted, scheme } = shrinking();
      const source = { id: 'src' } as SecretSource;
      const pages = new SyncPages();
      const lists: SegmentLists =
        via === 'loaders'
          ? segmentLists(createMemo({}), source, 'ns', {})
          : { ...directLists(), read: (call) => pages.read(call.key, () => call.call()) };
      const scanned = (await scheme.scan(lists)).map((r) => r.name);
      expect(scanned, via).toEqual(items.map((r) => r.name));
      expect(counted.calls, via).toBe(6);
    }
  });
});

describe('marker paging', () => {
  const items = inventory(10);
  /** `repeat`: pages start with their marker row (whether CSMS does is undocumented). */
  const schemeOf = (repeat = false) =>
    markerPaging({
      maxLimit: 4,
      markerOf: (item) => item.name,
      async fetchPage(_ns, _query, marker, limit) {
        const at = marker === null ? 0 : items.findIndex((r) => r.name === marker);
        const start = marker === null || repeat ? at : at + 1;
        const page = items.slice(start, start + limit);
        return { items: page, nextMarker: start + limit < items.length ? page[page.length - 1].name : null };
      },
    });
  const scheme = schemeOf();

  it('without the cache: pages sized to the window, each position the item’s own marker', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null);
    const first = await pager.forward(null, 3);
    expect(positions(first)).toEqual(['s-000', 's-001', 's-002']);
    expect(first.hasMore).toBe(true);
    expect(positions(await pager.forward('s-002', 3))).toEqual(['s-003', 's-004', 's-005']);
    const last = await pager.forward('s-008', 3);
    expect(positions(last)).toEqual(['s-009']);
    expect(last.hasMore).toBe(false);
    expect(lists.reads).toEqual([`marker:${K}:null:4`, `marker:${K}:s-002:4`, `marker:${K}:s-008:4`]);
  });

  it('a page that repeats its marker row: the row is dropped and one more is asked for', async () => {
    const lists = directLists();
    const slice = await schemeOf(true).pager(lists, null).forward('s-002', 3);
    expect(names(slice)).toEqual(['s-003', 's-004', 's-005']);
    expect(slice.hasMore).toBe(true);
    expect(lists.reads).toEqual([`marker:${K}:s-002:4`, `marker:${K}:s-005:2`]);
  });

  it('with the cache: whole pages, positions `<offset>:<start marker>`, the last row of a page standing before the next', async () => {
    const lists = directLists();
    const first = await scheme.pager(lists, null, { readAhead: true }).forward(null, 3);
    expect(positions(first)).toEqual(['0:', '1:', '2:']);
    expect(first.hasMore).toBe(true);
    const second = await scheme.pager(lists, null, { readAhead: true }).forward('2:', 3);
    expect(names(second)).toEqual(['s-003', 's-004', 's-005']);
    expect(positions(second)).toEqual(['-1:s-003', '0:s-003', '1:s-003']);
    expect(lists.reads).toEqual([`marker:${K}:null:4`, `marker:${K}:null:4`, `marker:${K}:s-003:4`]);
  });

  it('cursors of either mode resume in the other (the cache turned on or off between two pages)', async () => {
    const cached = directLists();
    // A bare marker (made without the cache) is the rows after it.
    expect(positions(await scheme.pager(cached, null, { readAhead: true }).forward('s-002', 2))).toEqual([
      '0:s-002',
      '1:s-002',
    ]);
    expect(cached.reads).toEqual([`marker:${K}:s-002:4`]);
    const uncached = directLists();
    expect(positions(await scheme.pager(uncached, null).forward('0:s-003', 2))).toEqual(['1:s-003', '2:s-003']);
    expect(uncached.reads).toEqual([`marker:${K}:s-003:4`]);
  });

  it('reads ahead along the chain while a client walks, within the budget, and from the start for later segments', async () => {
    const lists = directLists('ns', {}, { ahead: true });
    await scheme.pager(lists, null, { readAhead: true }).forward('2:', 3, new PrefetchBudget(12));
    await settle();
    expect(lists.aheads).toEqual([`marker:${K}:s-003:4`, `marker:${K}:s-007:4`]);
    const poor = directLists('ns', {}, { ahead: true });
    await scheme.pager(poor, null, { readAhead: true }).forward('2:', 3, new PrefetchBudget(1));
    await settle();
    expect(poor.aheads).toEqual([`marker:${K}:s-003:4`]);
    const later = directLists('ns', {}, { ahead: true });
    scheme.pager(later, null, { readAhead: true }).prefetchStart(new PrefetchBudget(12));
    await settle();
    expect(later.aheads).toEqual([`marker:${K}:null:4`, `marker:${K}:s-003:4`, `marker:${K}:s-007:4`]);
    expect(later.reads).toEqual([]);
    // Without the cache nothing is read ahead.
    const none = directLists('ns', {}, { ahead: true });
    scheme.pager(none, null).prefetchStart(new PrefetchBudget(12));
    await scheme.pager(none, null).forward('s-002', 3, new PrefetchBudget(12));
    await settle();
    expect(none.aheads).toEqual([]);
  });

  it('forward only, uncountable; a position that is not a marker is a PositionError', async () => {
    for (const readAhead of [false, true]) {
      const pager = scheme.pager(directLists(), null, { readAhead });
      expect(pager.backwardSupported).toBe(false);
      expect(pager.countable).toBe(false);
      expect(await pager.count()).toBeNull();
      await expect(pager.forward(3, 2)).rejects.toBeInstanceOf(PositionError);
    }
    expect(scheme.countable(null)).toBe(false);
  });

  it('scans the chain once, each row once', async () => {
    const lists = directLists();
    expect((await schemeOf(true).scan(lists)).map((r) => r.name)).toEqual(items.map((r) => r.name));
    expect(lists.reads).toEqual([`marker:${K}:null:4`, `marker:${K}:s-003:4`, `marker:${K}:s-006:4`]);
  });
});

describe('token paging', () => {
  const items = inventory(10);
  const scheme = tokenPaging({
    pageSize: 4,
    async fetchPage(_ns, _query, token, pageSize) {
      const start = token === null ? 0 : Number(token.slice(1));
      const end = start + pageSize;
      return { items: items.slice(start, end), nextToken: end < items.length ? `t${end}` : null };
    },
  });

  it('positions are `<offset>:<token of the item’s page>`; every call is a whole page', async () => {
    const lists = directLists();
    const first = await scheme.pager(lists, null).forward(null, 3);
    expect(positions(first)).toEqual(['0:', '1:', '2:']);
    const second = await scheme.pager(lists, null).forward('2:', 3);
    expect(positions(second)).toEqual(['-1:t4', '0:t4', '1:t4']);
    expect(second.hasMore).toBe(true);
    const last = await scheme.pager(lists, null).forward('0:t8', 3);
    expect(positions(last)).toEqual(['1:t8']);
    expect(last.hasMore).toBe(false);
    expect(lists.reads).toEqual([`token:${K}:null:4`, `token:${K}:null:4`, `token:${K}:t4:4`, `token:${K}:t8:4`]);
  });

  it('reads the next pages ahead along the chain while a client walks', async () => {
    const lists = directLists('ns', {}, { ahead: true });
    await scheme.pager(lists, null, { readAhead: true }).forward('2:', 3, new PrefetchBudget(12));
    await settle();
    expect(lists.aheads).toEqual([`token:${K}:t4:4`, `token:${K}:t8:4`]);
  });

  it('forward only, uncountable; a position that is not a token position is a PositionError', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null);
    expect(pager.backwardSupported).toBe(false);
    expect(scheme.countable(null)).toBe(false);
    await expect(pager.forward(2, 2)).rejects.toBeInstanceOf(PositionError);
    expect(lists.reads).toEqual([]);
  });

  it('scans the chain', async () => {
    const lists = directLists();
    expect(await scheme.scan(lists)).toHaveLength(10);
    expect(lists.reads).toEqual([`token:${K}:null:4`, `token:${K}:t4:4`, `token:${K}:t8:4`]);
  });
});

describe('token paging read from both ends (a list sorted either way, as AWS ListSecrets by CreatedDate)', () => {
  const SEED = Number(process.env.PAGING_SEED ?? 20_261_207);
  /** A provider listing `rows` by (value, key), either way, in pages of `pageSize`; its calls counted by direction. */
  const provider = (values: number[], pageSize: number) => {
    const rows = values
      .map((value, i) => ({ ...record(`s-${String(i).padStart(4, '0')}`), createdAt: new Date(value) }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.key < b.key ? -1 : 1));
    const calls = { asc: 0, desc: 0 };
    const scheme = tokenPaging({
      pageSize,
      order: {
        reversed: (query: PushedQuery) => ({ ...query, sortOrder: query.sortOrder === 'desc' ? undefined : 'desc' }),
        descending: (query: PushedQuery) => query.sortOrder === 'desc',
        sortValue: (r: SecretRecord) => r.createdAt?.getTime() ?? null,
      },
      async fetchPage(_ns, query, token, size) {
        const desc = query.sortOrder === 'desc';
        calls[desc ? 'desc' : 'asc']++;
        const list = desc ? [...rows].reverse() : rows;
        const start = token === null ? 0 : Number(token);
        const end = start + size;
        return { items: list.slice(start, end), nextToken: end < list.length ? String(end) : null };
      },
    });
    return { rows, calls, scheme };
  };
  const fewest = (n: number, pageSize: number) => Math.max(1, Math.ceil(n / pageSize));
  const valuesOf = (n: number, kind: 'spread' | 'bunched' | 'equal', seed: number) => {
    let x = seed >>> 0;
    const next = () => (x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
    return Array.from({ length: n }, () =>
      kind === 'equal' ? 1_000 : kind === 'bunched' ? Math.floor(next() * 4) * 1_000 : Math.floor(next() * 1e9),
    );
  };

  it('reads every row once, in the query’s order, within one call of the fewest (two when values bunch)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 700 }),
        fc.integer({ min: 2, max: 60 }),
        fc.constantFrom('spread' as const, 'bunched' as const, 'equal' as const),
        fc.boolean(),
        fc.integer(),
        async (n, pageSize, kind, descending, seed) => {
          const { rows, calls, scheme } = provider(valuesOf(n, kind, seed), pageSize);
          const query: PushedQuery = descending ? { sortOrder: 'desc' } : {};
          const read = await scheme.scan(directLists('ns', query));
          expect(read.map((r) => r.key).sort()).toEqual(rows.map((r) => r.key).sort());
          const values = read.map((r) => r.createdAt!.getTime());
          for (let i = 1; i < values.length; i++)
            expect(descending ? values[i - 1] >= values[i] : values[i - 1] <= values[i]).toBe(true);
          const made = calls.asc + calls.desc;
          if (kind === 'spread') expect(made).toBeLessThanOrEqual(fewest(n, pageSize) + 1);
          else expect(made).toBeLessThanOrEqual(2 * fewest(n, pageSize) + 1);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('takes half the round trips of one chain, in the fewest calls, for rows spread over time', async () => {
    // Where the ends meet on one row, or between two, one more page tells that nothing lies between:
    // 199, 200 and 999 rows (a row count one short of, or at, a multiple of the page).
    const boundary = new Set([199, 200, 999]);
    for (const n of [1, 99, 100, 101, 150, 199, 200, 201, 250, 999, 2_003, 20_025]) {
      const { calls, scheme } = provider(valuesOf(n, 'spread', n), 100);
      // The first sync reads oldest first (the front chain ascending); later syncs newest first.
      for (const query of [{}, { sortOrder: 'desc' }] as PushedQuery[]) {
        calls.asc = calls.desc = 0;
        expect(await scheme.scan(directLists('ns', query))).toHaveLength(n);
        const front = query.sortOrder === 'desc' ? calls.desc : calls.asc;
        const least = fewest(n, 100);
        expect(calls.asc + calls.desc, `${n} rows`).toBe(least + (boundary.has(n) ? 1 : 0));
        // The front chain is the longest: half the pages, and the first page and the last few read alone.
        expect(front, `${n} rows`).toBeLessThanOrEqual(least === 1 ? 1 : Math.ceil(least / 2) + 4);
      }
    }
  });
});

describe('unpaged', () => {
  const items = inventory(10);
  const scheme = unpagedPaging({ fetchAll: async () => items });

  it('one call per segment, sliced both ways; positions are rows anchored on keys', async () => {
    const lists = directLists();
    const pager = scheme.pager(lists, null);
    const first = await pager.forward(null, 3);
    expect(positions(first)).toEqual(['0:s-000', '1:s-001', '2:s-002']);
    const last = await pager.forward('8:s-008', 3);
    expect(positions(last)).toEqual(['9:s-009']);
    expect(last.hasMore).toBe(false);
    const back = await pager.backward(null, 3);
    expect(positions(back)).toEqual(['7:s-007', '8:s-008', '9:s-009']);
    expect(back.hasMore).toBe(true);
    expect(await pager.count()).toBe(10);
    expect(lists.reads).toEqual([`all:${K}`]);
    expect(scheme.countable((record) => record.name.includes('1'))).toBe(true);
    expect(await scheme.pager(directLists(), (record) => record.name.includes('1')).count()).toBe(1);
  });

  it('a walk resumes at its secret as the list is now: a change elsewhere moves nothing', async () => {
    const list = inventory(10);
    const changing = unpagedPaging({ fetchAll: async () => list });
    const matching = new Set(list.map((r) => r.key));
    const filter = (r: SecretRecord) => matching.has(r.key);
    const first = await changing.pager(directLists(), filter).forward(null, 4);
    const cursor = first.entries.at(-1)!.position;
    // s-001 stops matching and s-002 is deleted, both before the cursor; s-020 is created at the front.
    matching.delete('s-001');
    list.splice(2, 1);
    list.unshift(record('s-020'));
    matching.add('s-020');
    expect(names(await changing.pager(directLists(), filter).forward(cursor, 3))).toEqual(['s-004', 's-005', 's-006']);
    expect(names(await changing.pager(directLists(), filter).backward(cursor, 3))).toEqual(['s-020', 's-000']);
    // The cursor's own secret deleted: after (before) the row it had.
    const at = list.findIndex((r) => r.name === 's-003');
    list.splice(at, 1);
    expect(names(await changing.pager(directLists(), filter).forward(cursor, 2))).toEqual(['s-004', 's-005']);
    expect(names(await changing.pager(directLists(), filter).backward(cursor, 2))).toEqual(['s-020', 's-000']);
  });

  it('a bare row (a cursor of an earlier release) is a row of the filtered list, as it was then', async () => {
    const odd = (r: SecretRecord) => Number(r.name.slice(2)) % 2 === 1;
    const pager = scheme.pager(directLists(), odd);
    expect(names(await pager.forward(1, 2))).toEqual(['s-005', 's-007']);
    expect(names(await pager.backward(2, 2))).toEqual(['s-001', 's-003']);
    expect(names(await scheme.pager(directLists(), null).forward(7, 5))).toEqual(['s-008', 's-009']);
  });

  it('writes bare rows of the filtered list when compatible (a rolling upgrade), and walks by them as earlier releases did', async () => {
    const odd = (r: SecretRecord) => Number(r.name.slice(2)) % 2 === 1;
    for (const filter of [odd, null]) {
      const pager = () => scheme.pager(directLists(), filter, { compatibleCursors: true });
      const kept = items.filter((r) => !filter || filter(r));
      // Forward from the start, page after page, by the positions it wrote.
      const seen: SecretRecord[] = [];
      let after: number | string | null = null;
      for (;;) {
        const page = await pager().forward(after, 2);
        for (const [i, entry] of page.entries.entries()) expect(entry.position).toBe(seen.length + i);
        seen.push(...page.entries.map((e) => e.record));
        if (!page.hasMore) break;
        after = page.entries.at(-1)!.position;
      }
      expect(seen).toEqual(kept);
      // Backward from the end: the rows count from the filtered list's start too.
      const last = await pager().backward(null, 3);
      expect(last.entries.map((e) => e.position)).toEqual([kept.length - 3, kept.length - 2, kept.length - 1]);
      expect(names(await pager().backward(last.entries[0].position, 2))).toEqual(
        kept.slice(kept.length - 5, kept.length - 3).map((r) => r.name),
      );
    }
  });

  it('reads a later segment ahead only with the cache on', async () => {
    const lists = directLists('ns', {}, { ahead: true });
    scheme.pager(lists, null).prefetchStart(new PrefetchBudget(12));
    expect(lists.aheads).toEqual([]);
    scheme.pager(lists, null, { readAhead: true }).prefetchStart(new PrefetchBudget(12));
    expect(lists.aheads).toEqual([`all:${K}`]);
  });

  it('a position that is neither a row nor a row and key is a PositionError, and costs no call', async () => {
    for (const position of ['0:', 'x:s-001', ':s-001', -1, 1.5]) {
      const lists = directLists();
      await expect(scheme.pager(lists, null).forward(position, 2)).rejects.toBeInstanceOf(PositionError);
      await expect(scheme.pager(lists, null).backward(position, 2)).rejects.toBeInstanceOf(PositionError);
      expect(lists.reads).toEqual([]);
    }
  });
});
