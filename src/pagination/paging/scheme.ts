import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RecordTest } from '../filter.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import type { PrefetchBudget, SegmentPager } from '../segment.js';

/** What a list call answers: its rows, bare or in a page. */
export type ListResult = SecretRecord[] | { items: SecretRecord[] };

/** One list call, as the cloud is asked it. */
export interface ListCall<T extends ListResult> {
  /** Names the call (segment, pushed-down query, the call's own arguments): the request memo's and the shared cache's key. */
  key: string;
  call(scope?: RequestScope): Promise<T>;
  /** What a namespace that holds nothing answers (one outside the caller's grant). */
  empty: T;
  /** The namespace's size, where the answer tells it: lookups by key weigh batches against a scan by it. */
  total?(result: T): number;
}

/**
 * What a segment's list calls are keyed by (`SegmentLists.key`): a request's loaders and a sync make
 * the same key for the same list, so that a walk during a source's first sync can read the sync's pages.
 */
export function listsKey(sourceId: string, namespaceId: string, query: PushedQuery): string {
  return JSON.stringify([sourceId, namespaceId, query]);
}

/**
 * One segment's list calls (source × namespace × pushed-down query), each made once per request,
 * through the shared cache; what they return serves later lookups by key (src/loaders/lists.ts).
 */
export interface SegmentLists {
  readonly namespaceId: string;
  readonly query: PushedQuery;
  /** `[source, namespace, query]` as JSON: what every list call's key is made from. */
  readonly key: string;
  read<T extends ListResult>(call: ListCall<T>): Promise<T>;
  /**
   * The same call read ahead of the client into the cross-request cache: a cached or loading page,
   * or one speculative call with free capacity. Undefined when refused or failed: never an error.
   */
  ahead?<T extends ListResult>(call: ListCall<T>, budget: PrefetchBudget): Promise<T | undefined>;
}

export interface PagerOptions {
  /**
   * Fetch whole provider pages, aligned, so that the next GraphQL pages come from the cache; and,
   * while a client walks, read the next ones ahead of it.
   */
  readAhead?: boolean;
  /** Positions as every earlier release wrote them, so that its replicas read them (a rolling upgrade; `CursorCodec.compatible`). */
  compatibleCursors?: boolean;
}

/**
 * How a provider pages its ListSecrets. An adapter picks one of page-number.ts, marker.ts, token.ts
 * and unpaged.ts, or adds a file for a scheme of its own: the engine (the connection walk, the
 * loaders, the schema) only ever calls these methods.
 */
export interface PagingScheme {
  /** A segment's pager: its walks, window arithmetic, cursor positions and read-ahead. */
  pager(lists: SegmentLists, filter: RecordTest | null, options?: PagerOptions): SegmentPager;
  /** Whether a segment can be counted, known without a call; `filter` is what the gateway applies itself. */
  countable(filter: RecordTest | null): boolean;
  /** Every record of a namespace (an unfiltered list), in the fewest calls. */
  scan(lists: SegmentLists): Promise<SecretRecord[]>;
  /** What a scan costs, for lookups by key choosing between batches and a scan; absent when only a walk could tell. */
  readonly sizing?: {
    /** The list calls that read `total` rows. */
    calls(total: number): number;
    /** A scan's first page: its rows, and the namespace's size it tells. */
    first(lists: SegmentLists): Promise<{ items: SecretRecord[]; total: number }>;
  };
}
