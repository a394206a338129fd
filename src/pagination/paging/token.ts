import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import { ChainPager } from './chain.js';
import type { ListCall, PagingScheme, SegmentLists } from './scheme.js';

export interface TokenPage {
  items: SecretRecord[];
  /** Opaque; null on the last page. */
  nextToken: string | null;
}

/**
 * A list whose order the query picks (AWS `SortOrder` over `CreatedDate`): a scan then reads it from
 * both ends at once, two chains of half the length, and stops where they meet.
 */
export interface TokenOrder {
  /** The same query listed the other way round. */
  reversed(query: PushedQuery): PushedQuery;
  /** Whether the query lists the largest sort value first. */
  descending(query: PushedQuery): boolean;
  /** The value the list is sorted by (AWS: CreatedDate in ms); null where a record lacks it. */
  sortValue(record: SecretRecord): number | null;
}

export interface TokenOptions {
  pageSize: number;
  /** Set when the provider lists in either direction of a sort value: scans read from both ends. */
  order?: TokenOrder;
  fetchPage(
    namespaceId: string,
    query: PushedQuery,
    token: string | null,
    pageSize: number,
    scope?: RequestScope,
  ): Promise<TokenPage>;
}

/** The scheme, and the list call it makes (for tests, and for the adapter's own use). */
export interface TokenPaging extends PagingScheme {
  call(lists: SegmentLists, token: string | null, pageSize: number): ListCall<TokenPage>;
}

/** Provider pages read ahead of a walking client, one after another along the chain. */
export const TOKEN_PREFETCH_PAGES = 4;

/**
 * An opaque continuation token (AWS NextToken), forward only: a position is the token that starts
 * the item's page and its offset in it (chain.ts), stored inside our signed cursor.
 */
export function tokenPaging(options: TokenOptions): TokenPaging {
  const { pageSize, fetchPage, order } = options;
  /** A page of the segment's list; `reversed`, of the same list the other way round (a scan's back chain). */
  const call = (lists: SegmentLists, token: string | null, size: number, reversed = false): ListCall<TokenPage> => ({
    key: `token:${lists.key}:${reversed ? 'reversed:' : ''}${token}:${size}`,
    call: (scope) =>
      fetchPage(lists.namespaceId, reversed && order ? order.reversed(lists.query) : lists.query, token, size, scope),
    empty: { items: [], nextToken: null },
  });
  return {
    call,
    pager: (lists, filter, pagerOptions = {}) =>
      new ChainPager(
        {
          pageSize,
          async read(token, size) {
            const page = await lists.read(call(lists, token, size));
            return { items: page.items, next: page.nextToken };
          },
          async ahead(token, size, budget) {
            const page = await lists.ahead?.(call(lists, token, size), budget);
            return page && { items: page.items, next: page.nextToken };
          },
        },
        filter,
        pagerOptions.readAhead && lists.ahead !== undefined ? TOKEN_PREFETCH_PAGES : 0,
      ),
    countable: () => false,
    async scan(lists) {
      if (order) return scanBothEnds(lists, order, pageSize, call);
      const all: SecretRecord[] = [];
      for (let token: string | null = null; ; ) {
        const page: TokenPage = await lists.read(call(lists, token, pageSize));
        all.push(...page.items);
        if (!page.nextToken) return all;
        token = page.nextToken;
      }
    },
  };
}

/**
 * Below this many pages' worth of rows estimated between the two chains, only the front chain reads
 * on: a call from each end could then read past the other's position, one call beyond the fewest.
 */
const ENDGAME_PAGES = 3;

/** One of a scan's two chains: what it read, in its own order, and how far along the sort value it got. */
interface Chain {
  readonly page: (token: string | null) => ListCall<TokenPage>;
  token: string | null;
  items: SecretRecord[];
  done: boolean;
  first: number | null;
  last: number | null;
}

/**
 * A whole list read from both ends, the query's order from the front and the reverse from the back:
 * two chains of half the length, so a long list takes half the round trips, in the fewest calls.
 *
 * - The front reads first: a list of one page takes one call. The back's first page then shows where
 *   the list ends.
 * - The chains have met once the back's last sort value is strictly past the front's: the front then
 *   holds every row before its last value and the back every row after its own, whatever order ties
 *   take. Either chain reaching its end has read everything.
 * - Near the middle only the front reads on: the rows left are estimated from the rows per unit of
 *   sort value read so far, and a call from each end there could read past the other, a call beyond
 *   the fewest. So does a list whose rows all share one value (nothing to estimate from).
 * - One call more than the fewest remains possible: when the ends meet exactly at a page boundary
 *   (nothing in the pages tells that no row lies between them), or when the estimate misses a bunch
 *   of rows near the middle by threefold.
 *
 * The rows come in the query's order; those both chains read, once.
 */
async function scanBothEnds(
  lists: SegmentLists,
  order: TokenOrder,
  pageSize: number,
  call: (lists: SegmentLists, token: string | null, size: number, reversed: boolean) => ListCall<TokenPage>,
): Promise<SecretRecord[]> {
  const chain = (page: Chain['page']): Chain => ({
    page,
    token: null,
    items: [],
    done: false,
    first: null,
    last: null,
  });
  const front = chain((token) => call(lists, token, pageSize, false));
  const back = chain((token) => call(lists, token, pageSize, true));
  /** +1 when the front lists ascending: its values grow along the chain. */
  const direction = order.descending(lists.query) ? -1 : 1;
  /** Without a sort value on every row the chains' meeting cannot be told: the front then reads to the end. */
  let ordered = true;

  const advance = async (c: Chain) => {
    const page = await lists.read(c.page(c.token));
    c.items.push(...page.items);
    for (const record of page.items) {
      const value = order.sortValue(record);
      if (value === null) ordered = false;
      else {
        c.first ??= value;
        c.last = value;
      }
    }
    c.token = page.nextToken;
    if (!page.nextToken) c.done = true;
  };
  const met = () =>
    front.done ||
    back.done ||
    (ordered && front.last !== null && back.last !== null && direction * (front.last - back.last) > 0);
  /**
   * Rows estimated between the chains' positions, from the rows per unit of sort value read so far;
   * null when what was read has no spread of values to tell it (then only the front reads on).
   */
  const rowsBetween = () => {
    if (front.first === null || front.last === null || back.first === null || back.last === null) return null;
    const span = direction * (front.last - front.first + back.first - back.last);
    if (span <= 0) return null;
    return (direction * (back.last - front.last) * (front.items.length + back.items.length)) / span;
  };

  await advance(front);
  if (!front.done && ordered) await advance(back);
  while (!met()) {
    const left = ordered ? rowsBetween() : null;
    const both = left !== null && left >= ENDGAME_PAGES * pageSize;
    await Promise.all(both ? [advance(front), advance(back)] : [advance(front)]);
  }
  const seen = new Set(front.items.map((record) => record.key));
  const rest = back.items.filter((record) => !seen.has(record.key)).reverse();
  return [...front.items, ...rest];
}
