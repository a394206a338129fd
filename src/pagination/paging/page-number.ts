import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import type { RecordTest } from '../filter.js';
import { alignedPages, planPages } from '../page-plan.js';
import {
  type Entry,
  indexPosition,
  type Position,
  type PrefetchBudget,
  type SegmentPager,
  type Slice,
} from '../segment.js';
import type { ListCall, PagingScheme, SegmentLists } from './scheme.js';

export interface PageNumberPage {
  items: SecretRecord[];
  totalCount: number;
}

export interface PageNumberOptions {
  maxPageSize: number;
  fetchPage(
    namespaceId: string,
    query: PushedQuery,
    pageNumber: number,
    pageSize: number,
    scope?: RequestScope,
  ): Promise<PageNumberPage>;
}

/** The scheme, and the list call it makes (for tests, and for the adapter's own use). */
export interface PageNumberPaging extends PagingScheme {
  call(lists: SegmentLists, pageNumber: number, pageSize: number): ListCall<PageNumberPage>;
}

/** Reads of a whole list, when its pages disagree on the total (the list changed while they were read). */
const SCAN_ATTEMPTS = 2;

/** Provider pages read ahead of a walking client, all at once: one round (8 is the default concurrency limit). */
export const PAGE_NUMBER_PREFETCH_PAGES = 8;

/** Page number and page size (KMS, APIG): positions are row indexes, and each page tells the total. */
export function pageNumberPaging(options: PageNumberOptions): PageNumberPaging {
  const { maxPageSize, fetchPage } = options;
  /**
   * A scan's read again (`attempt` 2) is a call of its own: the request's memo, the shared cache and
   * the first sync's pages would otherwise answer it with the page that disagreed.
   */
  const call = (lists: SegmentLists, pageNumber: number, pageSize: number, attempt = 1): ListCall<PageNumberPage> => ({
    key: `page:${lists.key}:${pageNumber}:${pageSize}${attempt > 1 ? `:attempt-${attempt}` : ''}`,
    call: (scope) => fetchPage(lists.namespaceId, lists.query, pageNumber, pageSize, scope),
    empty: { items: [], totalCount: 0 },
    total: (page) => page.totalCount,
  });
  return {
    call,
    pager: (lists, filter, pagerOptions = {}) => {
      const readAhead = pagerOptions.readAhead ?? false;
      const prefetchPages = readAhead && lists.ahead !== undefined ? PAGE_NUMBER_PREFETCH_PAGES : 0;
      return new PageNumberPager(
        maxPageSize,
        lists,
        (n, size) => call(lists, n, size),
        filter,
        readAhead,
        prefetchPages,
      );
    },
    // The provider's total counts the segment, unless the gateway filters it further.
    countable: (filter) => filter === null,
    // Page 1 tells the total; the rest go in parallel.
    async scan(lists) {
      for (let attempt = 1; ; attempt++) {
        const first = await lists.read(call(lists, 1, maxPageSize, attempt));
        const pages = Array.from({ length: Math.ceil(first.totalCount / maxPageSize) - 1 }, (_, i) => i + 2);
        const rest = await Promise.all(pages.map((p) => lists.read(call(lists, p, maxPageSize, attempt))));
        // A secret created or deleted while the pages were read shifts every later page by one row,
        // so one row is lost or read twice (a sync would report it deleted, then created). The pages
        // then disagree on the total: read them again, once.
        const consistent = rest.every((page) => page.totalCount === first.totalCount);
        if (consistent || attempt === SCAN_ATTEMPTS) return [first, ...rest].flatMap((page) => page.items);
      }
    },
    sizing: {
      calls: (total) => Math.ceil(total / maxPageSize),
      async first(lists) {
        const page = await lists.read(call(lists, 1, maxPageSize));
        return { items: page.items, total: page.totalCount };
      },
    },
  };
}

class PageNumberPager implements SegmentPager {
  readonly backwardSupported = true;
  get countable(): boolean {
    return !this.filter;
  }
  private total: number | null = null;
  private hint: number | null = null;
  /** Rows already fetched in this request, by absolute offset. */
  private fetched: Array<{ offset: number; items: SecretRecord[] }> = [];

  constructor(
    private readonly maxPageSize: number,
    private readonly lists: SegmentLists,
    private readonly call: (pageNumber: number, pageSize: number) => ListCall<PageNumberPage>,
    private readonly filter: RecordTest | null,
    private readonly readAhead: boolean,
    private readonly prefetchPages: number,
  ) {}

  /**
   * The whole pages after row `end`, up to the budget and the known total, all at once: they need
   * nothing but the total, and land in the cache for the client's next pages. Nothing is awaited.
   */
  private prefetchAfter(end: number, budget: PrefetchBudget): boolean {
    const total = this.total ?? this.hint;
    if (total === null || this.prefetchPages === 0) return false;
    const size = this.maxPageSize;
    const first = Math.floor(Math.max(0, end - 1) / size) + 2;
    for (let p = first; p < first + this.prefetchPages && (p - 1) * size < total; p++)
      void this.lists.ahead!(this.call(p, size), budget);
    return true;
  }

  prefetchStart(budget: PrefetchBudget): void {
    // Page 1 tells the total; the rest follow once the client is in the segment. A filtered walk
    // reads the same whole pages (the gateway filters them), so it is read ahead alike.
    if (this.prefetchPages > 0) void this.lists.ahead!(this.call(1, this.maxPageSize), budget);
  }

  private async page(pageNumber: number, pageSize: number): Promise<SecretRecord[]> {
    const result = await this.lists.read(this.call(pageNumber, pageSize));
    this.total = result.totalCount;
    this.fetched.push({ offset: (pageNumber - 1) * pageSize, items: result.items });
    return result.items;
  }

  private async ensureTotal(): Promise<number> {
    if (this.total === null) await this.page(1, this.maxPageSize);
    return this.total!;
  }

  totalHint(): number | null {
    return this.total ?? this.hint;
  }

  useHint(total: number): void {
    this.hint = total;
  }

  /** Rows [start, end), clipped to the total, in the fewest calls. */
  private async range(start: number, wantedEnd: number): Promise<SecretRecord[]> {
    const known = this.total ?? this.hint;
    const end = known === null ? wantedEnd : Math.min(wantedEnd, known);
    if (end <= start) {
      if (this.total !== null || known === null || start >= wantedEnd) return [];
      // Only a hint said the list ends here: ask, since it may have grown.
      this.hint = null;
      return this.range(start, wantedEnd);
    }
    const rows = await this.planned(start, end);
    // The list grew past the hint: fetch what now lies within the window.
    if (end < wantedEnd && this.total !== null && this.total > end) rows.push(...(await this.range(end, wantedEnd)));
    return rows;
  }

  private async planned(start: number, end: number): Promise<SecretRecord[]> {
    const cached = this.fetched.find((f) => f.offset <= start && f.offset + f.items.length >= end);
    if (cached) return cached.items.slice(start - cached.offset, end - cached.offset);
    const plan = this.readAhead ? alignedPages(start, end, this.maxPageSize) : planPages(start, end, this.maxPageSize);
    const firstOffset = (plan.pages[0] - 1) * plan.pageSize;
    const known = this.total ?? this.hint;
    if (known !== null) {
      // The total is known (a cursor carries it): a window across two provider pages reads both at once.
      const pages = plan.pages.filter((p, i) => i === 0 || (p - 1) * plan.pageSize < known);
      return (await Promise.all(pages.map((p) => this.page(p, plan.pageSize))))
        .flat()
        .slice(start - firstOffset, end - firstOffset);
    }
    const rows = [...(await this.page(plan.pages[0], plan.pageSize))];
    // The first answer tells the total: pages past it would come back empty, so skip them.
    const rest = plan.pages.slice(1).filter((p) => (p - 1) * plan.pageSize < this.total!);
    for (const items of await Promise.all(rest.map((p) => this.page(p, plan.pageSize)))) rows.push(...items);
    return rows.slice(start - firstOffset, end - firstOffset);
  }

  async forward(after: Position | null, want: number, readAhead: PrefetchBudget | null = null): Promise<Slice> {
    const start = (indexPosition(after) ?? -1) + 1;
    if (!this.filter) {
      // With the total known, the read-ahead goes out beside the client's own page; else after it.
      const prefetched = readAhead !== null && this.prefetchAfter(start + want, readAhead);
      const rows = await this.range(start, start + want);
      if (readAhead && !prefetched && start + rows.length < (this.total ?? 0))
        this.prefetchAfter(start + want, readAhead);
      return {
        entries: rows.map((record, i) => ({ record, position: start + i })),
        hasMore: start + rows.length < (this.total ?? this.hint ?? 0),
      };
    }
    const found: Entry[] = [];
    let index = start;
    while (found.length <= want && (this.total === null || index < this.total)) {
      const pageNumber = Math.floor(index / this.maxPageSize) + 1;
      const offset = (pageNumber - 1) * this.maxPageSize;
      const items = await this.page(pageNumber, this.maxPageSize);
      // The total is known now: the pages after this one go ahead (a sparse filter reads several per GraphQL page).
      if (readAhead) this.prefetchAfter(offset + this.maxPageSize, readAhead);
      for (let i = index - offset; i < items.length && found.length <= want; i++) {
        if (this.filter(items[i])) found.push({ record: items[i], position: offset + i });
      }
      if (items.length < this.maxPageSize) break;
      index = offset + this.maxPageSize;
    }
    return { entries: found.slice(0, want), hasMore: found.length > want };
  }

  async backward(before: Position | null, want: number): Promise<Slice> {
    const end = indexPosition(before) ?? (await this.ensureTotal());
    if (!this.filter) {
      const start = Math.max(0, end - want);
      const rows = await this.range(start, end);
      return { entries: rows.map((record, i) => ({ record, position: start + i })), hasMore: start > 0 };
    }
    const found: Entry[] = [];
    let index = end - 1;
    while (found.length <= want && index >= 0) {
      const pageNumber = Math.floor(index / this.maxPageSize) + 1;
      const offset = (pageNumber - 1) * this.maxPageSize;
      const items = await this.range(offset, offset + this.maxPageSize);
      for (let i = Math.min(index - offset, items.length - 1); i >= 0 && found.length <= want; i--) {
        if (this.filter(items[i])) found.push({ record: items[i], position: offset + i });
      }
      index = offset - 1;
    }
    return { entries: found.slice(0, want).reverse(), hasMore: found.length > want };
  }

  async count(): Promise<number | null> {
    return this.filter ? null : this.ensureTotal();
  }
}
