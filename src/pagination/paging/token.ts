import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import { ChainPager } from './chain.js';
import type { ListCall, PagingScheme, SegmentLists } from './scheme.js';

export interface TokenPage {
  items: SecretRecord[];
  /** Opaque; null on the last page. */
  nextToken: string | null;
}

export interface TokenOptions {
  pageSize: number;
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
  const { pageSize, fetchPage } = options;
  const call = (lists: SegmentLists, token: string | null, size: number): ListCall<TokenPage> => ({
    key: `token:${lists.key}:${token}:${size}`,
    call: (scope) => fetchPage(lists.namespaceId, lists.query, token, size, scope),
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
