import type { MarkerPage, PageNumberPage, Paging, SecretFilter, SecretRecord, TokenPage } from '../sources/types.js';
import { matches } from './filter.js';
import { alignedPages, planPages } from './page-plan.js';

/**
 * One pager per (source, namespace): walks the provider's own scheme (page number, marker,
 * continuation token or none) forward or backward, applying the part of the filter the provider could not.
 */

export type Position = number | string;

/** A cursor's position that this segment's paging cannot mean: bad input, unlike any other error of a pager. */
export class PositionError extends Error {}

export interface Entry {
  record: SecretRecord;
  position: Position;
}

export interface Slice {
  /** Ascending provider order, whichever direction was asked. */
  entries: Entry[];
  /** More matching items lie beyond the slice in the direction walked. */
  hasMore: boolean;
}

export interface SegmentPager {
  readonly backwardSupported: boolean;
  /**
   * `readAhead`: the request continues a walk (it came with a cursor), so the provider pages after
   * this one are read ahead, within the request's budget.
   */
  forward(after: Position | null, want: number, readAhead?: PrefetchBudget | null): Promise<Slice>;
  /** Reads the segment's first pages ahead of a walk that has not reached it yet. Nothing is awaited. */
  prefetchStart(budget: PrefetchBudget): void;
  backward(before: Position | null, want: number): Promise<Slice>;
  /** Matching items in the segment, or null when only a full walk could tell. */
  count(): Promise<number | null>;
  /** Whether `count()` can answer at all, known without a call. */
  readonly countable: boolean;
  /** The provider's total as last seen, for cursors to carry; null when not known. */
  totalHint(): number | null;
  /** Adopts a total carried by a cursor; a fresh answer from the provider overrides it. */
  useHint(total: number): void;
}

/** Cached, priming fetchers bound to one segment and one pushed-down query (see src/loaders). */
export interface SegmentFetchers {
  page(pageNumber: number, pageSize: number): Promise<PageNumberPage>;
  marker(marker: string | null, limit: number): Promise<MarkerPage>;
  token(token: string | null, pageSize: number): Promise<TokenPage>;
  all(): Promise<SecretRecord[]>;
  /**
   * The same pages read ahead of the client into the cross-request cache: a cached or loading page,
   * or one speculative call with free capacity. Undefined when refused or failed: never an error.
   */
  ahead?: {
    page(pageNumber: number, pageSize: number, budget: PrefetchBudget): Promise<PageNumberPage | undefined>;
    marker(marker: string | null, limit: number, budget: PrefetchBudget): Promise<MarkerPage | undefined>;
    token(token: string | null, pageSize: number, budget: PrefetchBudget): Promise<TokenPage | undefined>;
    all(budget: PrefetchBudget): Promise<SecretRecord[] | undefined>;
  };
}

/**
 * What one request of a walk may spend on reading ahead: provider calls for pages not found in the
 * cache (a cached page costs nothing). A client that stops walking leaves at most this many calls
 * behind it; a client that takes only a first page leaves none (it is not walking yet).
 */
export class PrefetchBudget {
  constructor(private calls: number) {}

  /** One call's worth, if any is left. */
  take(): boolean {
    if (this.calls <= 0) return false;
    this.calls--;
    return true;
  }

  get spent(): boolean {
    return this.calls <= 0;
  }
}

/** Calls one walking request may make ahead of its client: the pages of the next round and more. */
export const PREFETCH_CALLS_PER_REQUEST = 12;

/**
 * How far ahead of a walking client, in provider pages of the segment it is in: page-number pages
 * go in parallel (one round; 8 is the default concurrency limit), marker and token pages in a chain.
 */
export const PREFETCH_PAGES = { 'page-number': 8, marker: 4, token: 4 } as const;

export interface PagerOptions {
  /**
   * Fetch whole provider pages, aligned, so that the next GraphQL pages come from the cache; and,
   * while a client walks, read the next ones ahead of it (`prefetchPages`, 0 for none).
   */
  readAhead?: boolean;
  prefetchPages?: number;
}

export function createPager(
  paging: Paging,
  fetch: SegmentFetchers,
  filter: SecretFilter | null,
  options: PagerOptions = {},
): SegmentPager {
  const readAhead = options.readAhead ?? false;
  const prefetch = readAhead && fetch.ahead !== undefined;
  const prefetchPages = prefetch && paging.kind !== 'none' ? (options.prefetchPages ?? PREFETCH_PAGES[paging.kind]) : 0;
  switch (paging.kind) {
    case 'page-number':
      return new PageNumberPager(paging.maxPageSize, fetch, filter, readAhead, prefetchPages);
    case 'marker': {
      const { markerOf, maxLimit } = paging;
      // Whole pages of the largest size, each starting at the previous page's last row, so that a
      // mid-page cursor resumes on a cached page; without the cache, pages sized to the window.
      const aligned = new ChainPager(
        {
          pageSize: maxLimit,
          async read(marker, limit) {
            return markerLink(await fetch.marker(marker, limit), marker, limit, markerOf);
          },
          async ahead(marker, limit, budget) {
            const page = await fetch.ahead?.marker(marker, limit, budget);
            return page && markerLink(page, marker, limit, markerOf);
          },
        },
        filter,
        prefetchPages,
      );
      return readAhead ? aligned : new MarkerPager(maxLimit, markerOf, fetch, filter, aligned);
    }
    case 'token':
      return new ChainPager(
        {
          pageSize: paging.pageSize,
          async read(token, size) {
            const page = await fetch.token(token, size);
            return { items: page.items, next: page.nextToken };
          },
          async ahead(token, size, budget) {
            const page = await fetch.ahead?.token(token, size, budget);
            return page && { items: page.items, next: page.nextToken };
          },
        },
        filter,
        prefetchPages,
      );
    case 'none':
      return new UnpagedPager(fetch, filter, prefetch);
  }
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

function expectIndex(position: Position | null): number | null {
  if (position === null) return null;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0)
    throw new PositionError('position is not an index');
  return position;
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
    private readonly fetch: SegmentFetchers,
    private readonly filter: SecretFilter | null,
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
      void this.fetch.ahead!.page(p, size, budget);
    return true;
  }

  prefetchStart(budget: PrefetchBudget): void {
    // Page 1 tells the total; the rest follow once the client is in the segment.
    if (this.prefetchPages > 0 && !this.filter) void this.fetch.ahead!.page(1, this.maxPageSize, budget);
  }

  private async page(pageNumber: number, pageSize: number): Promise<SecretRecord[]> {
    const result = await this.fetch.page(pageNumber, pageSize);
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
    const start = (expectIndex(after) ?? -1) + 1;
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
      for (let i = index - offset; i < items.length && found.length <= want; i++) {
        if (matches(items[i], this.filter)) found.push({ record: items[i], position: offset + i });
      }
      if (items.length < this.maxPageSize) break;
      index = offset + this.maxPageSize;
    }
    return { entries: found.slice(0, want), hasMore: found.length > want };
  }

  async backward(before: Position | null, want: number): Promise<Slice> {
    const end = expectIndex(before) ?? (await this.ensureTotal());
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
        if (matches(items[i], this.filter)) found.push({ record: items[i], position: offset + i });
      }
      index = offset - 1;
    }
    return { entries: found.slice(0, want).reverse(), hasMore: found.length > want };
  }

  async count(): Promise<number | null> {
    return this.filter ? null : this.ensureTotal();
  }
}

class MarkerPager implements SegmentPager {
  readonly backwardSupported = false;
  readonly countable = false;

  constructor(
    private readonly maxLimit: number,
    private readonly markerOf: (item: SecretRecord) => string,
    private readonly fetch: SegmentFetchers,
    private readonly filter: SecretFilter | null,
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
      const page = await this.fetch.marker(marker, limit);
      for (const record of page.items) {
        const position = this.markerOf(record);
        // Whether a page starts with its marker row is undocumented: drop it, and any repeat.
        if (position === marker || seen.has(position)) continue;
        seen.add(position);
        if (!this.filter || matches(record, this.filter)) found.push({ record, position });
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

class UnpagedPager implements SegmentPager {
  readonly backwardSupported = true;
  readonly countable = true;
  private list: SecretRecord[] | null = null;

  constructor(
    private readonly fetch: SegmentFetchers,
    private readonly filter: SecretFilter | null,
    private readonly prefetch: boolean,
  ) {}

  prefetchStart(budget: PrefetchBudget): void {
    if (this.prefetch) void this.fetch.ahead!.all(budget);
  }

  private async items(): Promise<SecretRecord[]> {
    if (!this.list) {
      const all = await this.fetch.all();
      this.list = this.filter ? all.filter((r) => matches(r, this.filter!)) : all;
    }
    return this.list;
  }

  async forward(after: Position | null, want: number): Promise<Slice> {
    const list = await this.items();
    const start = (expectIndex(after) ?? -1) + 1;
    const rows = list.slice(start, start + want);
    return { entries: rows.map((record, i) => ({ record, position: start + i })), hasMore: start + want < list.length };
  }

  async backward(before: Position | null, want: number): Promise<Slice> {
    const list = await this.items();
    const end = Math.min(expectIndex(before) ?? list.length, list.length);
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

/** One provider page of a chain: its rows, and where the next page starts (null: the last page). */
interface ChainPage {
  items: SecretRecord[];
  next: string | null;
}

interface ChainLink {
  pageSize: number;
  read(start: string | null, size: number): Promise<ChainPage>;
  ahead(start: string | null, size: number, budget: PrefetchBudget): Promise<ChainPage | undefined>;
}

/**
 * Providers whose pages form a chain (AWS NextToken, CSMS markers with the cache on): a position is
 * the continuation that starts the item's provider page and the item's offset in it, so every page
 * asked for is a whole provider page of the same size (cached, and the same for every client
 * walking it), and a walking client's next pages are read ahead along the chain.
 */
class ChainPager implements SegmentPager {
  readonly backwardSupported = false;
  readonly countable = false;

  constructor(
    private readonly link: ChainLink,
    private readonly filter: SecretFilter | null,
    private readonly prefetchPages: number,
  ) {}

  async forward(after: Position | null, want: number, readAhead: PrefetchBudget | null = null): Promise<Slice> {
    let { start, offset } = after === null ? { start: null, offset: -1 } : parseChainPosition(after);
    const found: Entry[] = [];
    for (;;) {
      const page = await this.link.read(start, this.link.pageSize);
      if (readAhead) this.prefetchFrom(page.next, readAhead);
      for (let i = offset + 1; i < page.items.length; i++) {
        const record = page.items[i];
        if (this.filter && !matches(record, this.filter)) continue;
        if (found.length === want) return { entries: found, hasMore: true };
        // The last item of a page stands just before the next page: resuming there costs no call for this one.
        const last = i === page.items.length - 1 && page.next !== null;
        found.push({ record, position: last ? chainPosition(page.next, -1) : chainPosition(start, i) });
      }
      // A next page says more may follow (AWS may end with an empty page): no call just to find out.
      if (!page.next || found.length === want) return { entries: found, hasMore: page.next !== null };
      start = page.next;
      offset = -1;
      readAhead = null;
    }
  }

  /**
   * The chain from `start` on, page after page, up to the pages ahead allowed; stops quietly where
   * a page does not come. `first`: the segment's first page (null start) is part of the chain.
   */
  private prefetchFrom(start: string | null, budget: PrefetchBudget, first = false): void {
    if ((start === null && !first) || this.prefetchPages === 0) return;
    void (async () => {
      for (let n = 0, at: string | null = start; n < this.prefetchPages && (at !== null || (first && n === 0)); n++) {
        const page: ChainPage | undefined = await this.link.ahead(at, this.link.pageSize, budget);
        if (!page) return;
        at = page.next;
      }
    })();
  }

  prefetchStart(budget: PrefetchBudget): void {
    // A chain is walked one call after another: start it at once, before the client gets there.
    this.prefetchFrom(null, budget, true);
  }

  async backward(): Promise<Slice> {
    throw new Error('this pagination cannot walk backward');
  }

  async count(): Promise<number | null> {
    return null;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}

/**
 * `<offset>:<start>` (offset -1: before the page's first item); the first page has the empty start.
 * A bare marker (cursors of the marker pager, which names each item's own row) is `-1:<marker>`:
 * the rows after it. Signed inside our cursor like any position.
 */
const CHAIN_POSITION = /^(-1|\d{1,4}):([\s\S]*)$/;

const chainPosition = (start: string | null, offset: number): string => `${offset}:${start ?? ''}`;

function parseChainPosition(position: Position): { start: string | null; offset: number } {
  if (typeof position !== 'string') throw new PositionError('position is not a chain position');
  const match = CHAIN_POSITION.exec(position);
  if (!match) return { start: position, offset: -1 };
  return { start: match[2] === '' ? null : match[2], offset: Number(match[1]) };
}
