import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import type { RecordTest } from '../filter.js';
import { type Entry, type Position, PositionError, type SegmentPager, type Slice } from '../segment.js';
import { CHAIN_POSITION, type ChainPage, ChainPager } from './chain.js';
import type { ListCall, PagingScheme, SegmentLists } from './scheme.js';

export interface MarkerPage {
  items: SecretRecord[];
  nextMarker: string | null;
}

export interface MarkerOptions {
  maxLimit: number;
  /** Position of an item as the provider's marker understands it. */
  markerOf(item: SecretRecord): string;
  fetchPage(
    namespaceId: string,
    query: PushedQuery,
    marker: string | null,
    limit: number,
    scope?: RequestScope,
  ): Promise<MarkerPage>;
}

/** The scheme, and the list call it makes (for tests, and for the adapter's own use). */
export interface MarkerPaging extends PagingScheme {
  call(lists: SegmentLists, marker: string | null, limit: number): ListCall<MarkerPage>;
}

/** Provider pages read ahead of a walking client, one after another along the chain. */
export const MARKER_PREFETCH_PAGES = 4;

/**
 * Marker and limit (CSMS), forward only. With the cache on, whole pages of the largest size, each
 * starting at the previous page's last row, so that a mid-page cursor resumes on a cached page
 * (positions `<offset>:<start marker>`, chain.ts); without it, pages sized to the window and
 * positions that are the item's own marker.
 */
export function markerPaging(options: MarkerOptions): MarkerPaging {
  const { maxLimit, markerOf, fetchPage } = options;
  const call = (lists: SegmentLists, marker: string | null, limit: number): ListCall<MarkerPage> => ({
    key: `marker:${lists.key}:${marker}:${limit}`,
    call: (scope) => fetchPage(lists.namespaceId, lists.query, marker, limit, scope),
    empty: { items: [], nextMarker: null },
  });
  return {
    call,
    pager(lists, filter, pagerOptions = {}) {
      const readAhead = pagerOptions.readAhead ?? false;
      const aligned = new ChainPager(
        {
          pageSize: maxLimit,
          async read(marker, limit) {
            return markerLink(await lists.read(call(lists, marker, limit)), marker, limit, markerOf);
          },
          async ahead(marker, limit, budget) {
            const page = await lists.ahead?.(call(lists, marker, limit), budget);
            return page && markerLink(page, marker, limit, markerOf);
          },
        },
        filter,
        readAhead && lists.ahead !== undefined ? MARKER_PREFETCH_PAGES : 0,
      );
      return readAhead
        ? aligned
        : new MarkerPager(
            maxLimit,
            markerOf,
            (marker, limit) => lists.read(call(lists, marker, limit)),
            filter,
            aligned,
          );
    },
    countable: () => false,
    async scan(lists) {
      const all: SecretRecord[] = [];
      const seen = new Set<string>();
      let marker: string | null = null;
      for (;;) {
        const page: MarkerPage = await lists.read(call(lists, marker, maxLimit));
        for (const item of page.items) if (!seen.has(item.key)) seen.add(item.key), all.push(item);
        if (!page.nextMarker || page.items.length === 0) return all;
        marker = markerOf(page.items[page.items.length - 1]);
      }
    },
  };
}

/** A marker page as a link of a chain: the repeated marker row dropped, the next page starting at its last row. */
function markerLink(
  page: MarkerPage,
  marker: string | null,
  limit: number,
  markerOf: (item: SecretRecord) => string,
): ChainPage {
  // Whether a page starts with its marker row is undocumented: drop it.
  const items = marker === null ? page.items : page.items.filter((item) => markerOf(item) !== marker);
  const exhausted = !page.nextMarker || page.items.length < limit || page.items.length === 0;
  return { items, next: exhausted ? null : markerOf(page.items[page.items.length - 1]) };
}

/** Without the cache: each item's position is its own marker, and pages are sized to the window. */
class MarkerPager implements SegmentPager {
  readonly backwardSupported = false;
  readonly countable = false;

  constructor(
    private readonly maxLimit: number,
    private readonly markerOf: (item: SecretRecord) => string,
    private readonly read: (marker: string | null, limit: number) => Promise<MarkerPage>,
    private readonly filter: RecordTest | null,
    /** Reads cursors made while the cache was on (a page's start and an offset). */
    private readonly aligned: SegmentPager,
  ) {}

  async forward(after: Position | null, want: number): Promise<Slice> {
    if (after !== null && typeof after !== 'string') throw new PositionError('position is not a marker');
    if (after !== null && CHAIN_POSITION.test(after)) return this.aligned.forward(after, want);
    const found: Entry[] = [];
    const seen = new Set<string>();
    let marker = after;
    for (;;) {
      // One extra row tells whether more follow; one more absorbs a page that repeats its marker.
      const limit = this.filter
        ? this.maxLimit
        : Math.min(this.maxLimit, want + 1 - found.length + (marker === null ? 0 : 1));
      const page = await this.read(marker, limit);
      for (const record of page.items) {
        const position = this.markerOf(record);
        // Whether a page starts with its marker row is undocumented: drop it, and any repeat.
        if (position === marker || seen.has(position)) continue;
        seen.add(position);
        if (!this.filter || this.filter(record)) found.push({ record, position });
      }
      const exhausted = !page.nextMarker || page.items.length < limit || page.items.length === 0;
      if (found.length > want || exhausted) break;
      marker = this.markerOf(page.items[page.items.length - 1]);
    }
    return { entries: found.slice(0, want), hasMore: found.length > want };
  }

  async backward(): Promise<Slice> {
    throw new Error('marker pagination cannot walk backward');
  }

  /** Without the cache nothing can be read ahead. */
  prefetchStart(): void {}

  async count(): Promise<number | null> {
    return null;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}
