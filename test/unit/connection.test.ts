import { describe, expect, it } from 'vitest';
import {
  paginate,
  segmentKey,
  type ConnectionArgs,
  type ConnectionPage,
  type SegmentGroup,
} from '../../src/pagination/connection.js';
import { bindingOf, CursorCodec } from '../../src/pagination/cursor.js';
import { markerPaging } from '../../src/pagination/paging/marker.js';
import { pageNumberPaging } from '../../src/pagination/paging/page-number.js';
import type { PagingScheme } from '../../src/pagination/paging/scheme.js';
import { tokenPaging } from '../../src/pagination/paging/token.js';
import { unpagedPaging } from '../../src/pagination/paging/unpaged.js';
import type { SecretRecord } from '../../src/domain/records.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { directLists } from '../helpers/lists.js';

/**
 * The connection engine against in-memory segments: no HTTP, no provider. A fault set names the
 * segments (or whole sources, by "source/*") whose next fetch fails.
 */

const codec = new CursorCodec('unit-test-cursor-secret-0123456789');
const binding = bindingOf({ c: 'unit' });

function record(sourceId: string, namespaceId: string, name: string): SecretRecord {
  return { provider: 'alibaba-kms', sourceId, namespaceId, key: name, name } as unknown as SecretRecord;
}

function failure(sourceId: string): UpstreamError {
  return new UpstreamError(`${sourceId} failed`, {
    code: 'UPSTREAM_THROTTLED',
    provider: 'alibaba-kms',
    providerName: 'ALIBABA_KMS',
    source: sourceId,
    operation: 'ListSecrets',
    providerCode: 'Throttling',
    requestId: null,
    httpStatus: 429,
    retryable: true,
  });
}

type Layout = Record<string, Record<string, number>>;

/** Sources → namespaces → item counts; each source pages with the given kind. */
type Kind = 'page-number' | 'marker' | 'token' | 'none';

function world(layout: Layout, kind: Kind, faults: Set<string>) {
  const calls: string[] = [];
  const groups: SegmentGroup[] = Object.entries(layout).map(([sourceId, namespaces]) => ({
    sourceId,
    provider: 'alibaba-kms',
    countable: kind !== 'marker' && kind !== 'token',
    async segments() {
      calls.push(`${sourceId}/namespaces`);
      if (faults.has(`${sourceId}/*`)) throw failure(sourceId);
      return Object.entries(namespaces).map(([namespaceId, count]) => {
        const items = Array.from({ length: count }, (_, i) =>
          record(sourceId, namespaceId, `${namespaceId}-${String(i).padStart(3, '0')}`),
        );
        const check = () => {
          calls.push(`${sourceId}/${namespaceId}`);
          if (faults.has(`${sourceId}/${namespaceId}`)) throw failure(sourceId);
        };
        const schemes: Record<Kind, () => PagingScheme> = {
          'page-number': () =>
            pageNumberPaging({
              maxPageSize: 4,
              async fetchPage(_ns, _query, pageNumber, pageSize) {
                check();
                return {
                  items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
                  totalCount: items.length,
                };
              },
            }),
          marker: () =>
            markerPaging({
              maxLimit: 4,
              markerOf: (r) => r.name,
              async fetchPage(_ns, _query, marker, limit) {
                check();
                const start = marker === null ? 0 : items.findIndex((r) => r.name === marker) + 1;
                const slice = items.slice(start, start + limit);
                return { items: slice, nextMarker: start + limit < items.length ? slice[slice.length - 1].name : null };
              },
            }),
          token: () =>
            tokenPaging({
              pageSize: 4,
              async fetchPage(_ns, _query, token, pageSize) {
                check();
                // Opaque tokens, as AWS's: the walk can only hand back what it was given.
                const start = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString().split('@')[1]);
                const end = start + pageSize;
                return {
                  items: items.slice(start, end),
                  nextToken: end < items.length ? Buffer.from(`${namespaceId}@${end}`).toString('base64url') : null,
                };
              },
            }),
          none: () =>
            unpagedPaging({
              async fetchAll() {
                check();
                return items;
              },
            }),
        };
        const paging = schemes[kind]();
        return {
          key: segmentKey(sourceId, namespaceId),
          sourceId,
          namespaceId,
          pager: () => paging.pager(directLists(namespaceId), null),
        };
      });
    },
  }));
  return { groups, calls };
}

const page = (groups: SegmentGroup[], args: ConnectionArgs): Promise<ConnectionPage> =>
  paginate({ groups, args, codec, binding });
const names = (p: ConnectionPage) => p.edges.map((e) => e.node.name);

const LAYOUT: Layout = { a: { n1: 3, n2: 2 }, b: { n1: 4 }, c: { n1: 2, n2: 3 } };
const ALL = [
  'n1-000',
  'n1-001',
  'n1-002',
  'n2-000',
  'n2-001',
  'n1-000',
  'n1-001',
  'n1-002',
  'n1-003',
  'n1-000',
  'n1-001',
  'n2-000',
  'n2-001',
  'n2-002',
];

describe('paginate: a failing source ends the page just before it', () => {
  for (const kind of ['page-number', 'marker', 'token', 'none'] as const) {
    it(`${kind}: forward, the page holds what came before, says why it stopped, and its cursor retries the source`, async () => {
      const faults = new Set(['b/n1']);
      const { groups, calls } = world(LAYOUT, kind, faults);
      const stopped = await page(groups, { first: 10 });
      expect(names(stopped)).toEqual(ALL.slice(0, 5));
      expect(stopped.pageInfo.hasNextPage).toBe(true);
      expect(stopped.interruption?.state).toMatchObject({ sourceId: 'b', namespaceId: 'n1', status: 'FAILED' });
      // Nothing of "c" was asked: the walk never went past "b".
      expect(calls.filter((c) => c.startsWith('c/'))).toEqual([]);
      expect(await stopped.totalCount()).toBeNull();
      faults.clear();
      const resumed = await page(groups, { first: 10, after: stopped.pageInfo.endCursor });
      expect(names(resumed)).toEqual(ALL.slice(5, 14));
      expect(resumed.pageInfo.hasNextPage).toBe(false);
      expect(resumed.interruption).toBeNull();
    });
  }

  it('nothing before the failure: the cursor stands where `after` did, and asking again goes on from there', async () => {
    const faults = new Set<string>();
    const { groups } = world(LAYOUT, 'page-number', faults);
    const first = await page(groups, { first: 2 });
    faults.add('a/n1');
    const stopped = await page(groups, { first: 2, after: first.pageInfo.endCursor });
    expect(stopped.edges).toEqual([]);
    expect(codec.decode(stopped.pageInfo.endCursor!, binding, 'after')).toEqual(
      codec.decode(first.pageInfo.endCursor!, binding, 'after'),
    );
    faults.clear();
    expect(names(await page(groups, { first: 2, after: stopped.pageInfo.endCursor }))).toEqual(ALL.slice(2, 4));
  });

  it('a source whose namespaces cannot be listed: stops before the source; the cursor names the whole source', async () => {
    const faults = new Set(['b/*']);
    const { groups } = world(LAYOUT, 'page-number', faults);
    const stopped = await page(groups, { first: 10 });
    expect(names(stopped)).toEqual(ALL.slice(0, 5));
    expect(stopped.interruption?.state).toMatchObject({ sourceId: 'b', namespaceId: null });
    // Asked again while it still fails: the end of "a" is read (empty), so the cursor moves up to "b" itself.
    const empty = await page(groups, { first: 10, after: stopped.pageInfo.endCursor });
    expect(empty.edges).toEqual([]);
    expect(codec.decode(empty.pageInfo.endCursor!, binding, 'after')).toEqual({ s: '["b"]', p: null, z: 0 });
    expect(names(await page(groups, { first: 10, after: empty.pageInfo.endCursor }))).toEqual([]);
    faults.clear();
    expect(names(await page(groups, { first: 10, after: empty.pageInfo.endCursor }))).toEqual(ALL.slice(5, 14));
  });

  it('a failure at the first segment of a fresh walk gives a cursor before that segment', async () => {
    const faults = new Set(['a/n1']);
    const { groups } = world(LAYOUT, 'none', faults);
    const stopped = await page(groups, { first: 3 });
    expect(stopped.edges).toEqual([]);
    expect(stopped.pageInfo.hasNextPage).toBe(true);
    expect(codec.decode(stopped.pageInfo.endCursor!, binding, 'after')).toEqual({
      s: segmentKey('a', 'n1'),
      p: null,
      z: 0,
    });
    faults.clear();
    expect(names(await page(groups, { first: 3, after: stopped.pageInfo.endCursor }))).toEqual(ALL.slice(0, 3));
  });

  it('backward: the page holds what came after the failure, hasPreviousPage is true, and startCursor retries it', async () => {
    const faults = new Set(['b/n1']);
    const { groups } = world(LAYOUT, 'page-number', faults);
    const stopped = await page(groups, { last: 10 });
    expect(names(stopped)).toEqual(ALL.slice(9));
    expect(stopped.pageInfo.hasPreviousPage).toBe(true);
    faults.clear();
    const resumed = await page(groups, { last: 10, before: stopped.pageInfo.startCursor });
    expect(names(resumed)).toEqual(ALL.slice(0, 9));
    expect(resumed.pageInfo.hasPreviousPage).toBe(false);
  });

  it('backward from a fresh walk failing at the last segment: a cursor after that segment', async () => {
    const faults = new Set(['c/n2']);
    const { groups } = world(LAYOUT, 'none', faults);
    const stopped = await page(groups, { last: 3 });
    expect(stopped.edges).toEqual([]);
    expect(codec.decode(stopped.pageInfo.startCursor!, binding, 'before')).toEqual({
      s: segmentKey('c', 'n2'),
      p: null,
      z: 1,
    });
    faults.clear();
    expect(names(await page(groups, { last: 3, before: stopped.pageInfo.startCursor }))).toEqual(ALL.slice(11));
  });

  it('an end-of-segment cursor used the other way round walks on from that point, not into the segment', async () => {
    const { groups } = world(LAYOUT, 'page-number', new Set());
    const beforeB = codec.encode(binding, { s: segmentKey('b', 'n1'), p: null, z: 0 });
    expect(names(await page(groups, { last: 10, before: beforeB }))).toEqual(ALL.slice(0, 5));
    expect(names(await page(groups, { first: 10, after: beforeB }))).toEqual(ALL.slice(5, 14));
    const afterB = codec.encode(binding, { s: segmentKey('b', 'n1'), p: null, z: 1 });
    expect(names(await page(groups, { first: 10, after: afterB }))).toEqual(ALL.slice(9));
    expect(names(await page(groups, { last: 10, before: afterB }))).toEqual(ALL.slice(0, 9));
  });

  it('a position the segment cannot mean is a cursor error, while any other error of a pager is not', async () => {
    const { groups } = world(LAYOUT, 'marker', new Set());
    const indexInMarkerSegment = codec.encode(binding, { s: segmentKey('a', 'n1'), p: 3 });
    await expect(page(groups, { first: 2, after: indexInMarkerSegment })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', reason: 'MALFORMED_CURSOR' },
    });
    const broken: SegmentGroup[] = [
      {
        ...groups[0],
        segments: async () => {
          throw new TypeError('a bug, not bad input');
        },
      },
    ];
    await expect(page(broken, { first: 2 })).rejects.toBeInstanceOf(TypeError);
  });

  it('a TypeError inside a pager, even on the position a cursor carried, is a bug and never MALFORMED_CURSOR', async () => {
    for (const kind of ['page-number', 'marker', 'token', 'none'] as const) {
      const { groups } = world(LAYOUT, kind, new Set());
      const after = (await page(groups, { first: 2 })).pageInfo.endCursor;
      const buggy: SegmentGroup[] = groups.map((group) => ({
        ...group,
        segments: async () =>
          (await group.segments()).map((segment) => ({
            ...segment,
            pager: () =>
              Object.assign(segment.pager(), {
                forward: async () => {
                  throw new TypeError('a bug in a pager');
                },
              }),
          })),
      }));
      const error = await page(buggy, { first: 2, after }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect(error).not.toHaveProperty('extensions');
    }
  });
});
