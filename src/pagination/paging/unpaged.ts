import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import type { RecordTest } from '../filter.js';
import { indexPosition, type Position, type PrefetchBudget, type SegmentPager, type Slice } from '../segment.js';
import type { ListCall, PagingScheme, SegmentLists } from './scheme.js';

export interface UnpagedOptions {
  fetchAll(namespaceId: string, query: PushedQuery, scope?: RequestScope): Promise<SecretRecord[]>;
}

/** The scheme, and the list call it makes (for tests, and for the adapter's own use). */
export interface UnpagedPaging extends PagingScheme {
  call(lists: SegmentLists): ListCall<SecretRecord[]>;
}

/** One call lists a whole namespace (SAE): read once per request and sliced; positions are row indexes. */
export function unpagedPaging(options: UnpagedOptions): UnpagedPaging {
  const call = (lists: SegmentLists): ListCall<SecretRecord[]> => ({
    key: `all:${lists.key}`,
    call: (scope) => options.fetchAll(lists.namespaceId, lists.query, scope),
    empty: [],
  });
  return {
    call,
    pager: (lists, filter, pagerOptions = {}) =>
      new UnpagedPager(lists, call(lists), filter, (pagerOptions.readAhead ?? false) && lists.ahead !== undefined),
    // The list is read whole: counting it is slicing it.
    countable: () => true,
    scan: (lists) => lists.read(call(lists)),
  };
}

class UnpagedPager implements SegmentPager {
  readonly backwardSupported = true;
  readonly countable = true;
  private list: SecretRecord[] | null = null;

  constructor(
    private readonly lists: SegmentLists,
    private readonly call: ListCall<SecretRecord[]>,
    private readonly filter: RecordTest | null,
    private readonly prefetch: boolean,
  ) {}

  prefetchStart(budget: PrefetchBudget): void {
    if (this.prefetch) void this.lists.ahead!(this.call, budget);
  }

  private async items(): Promise<SecretRecord[]> {
    if (!this.list) {
      const all = await this.lists.read(this.call);
      this.list = this.filter ? all.filter(this.filter) : all;
    }
    return this.list;
  }

  async forward(after: Position | null, want: number): Promise<Slice> {
    const list = await this.items();
    const start = (indexPosition(after) ?? -1) + 1;
    const rows = list.slice(start, start + want);
    return { entries: rows.map((record, i) => ({ record, position: start + i })), hasMore: start + want < list.length };
  }

  async backward(before: Position | null, want: number): Promise<Slice> {
    const list = await this.items();
    const end = Math.min(indexPosition(before) ?? list.length, list.length);
    const start = Math.max(0, end - want);
    return {
      entries: list.slice(start, end).map((record, i) => ({ record, position: start + i })),
      hasMore: start > 0,
    };
  }

  async count(): Promise<number | null> {
    return (await this.items()).length;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}
