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
  forward(after: Position | null, want: number): Promise<Slice>;
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
}

export interface PagerOptions {
  /** Fetch whole provider pages, aligned, so that the next GraphQL pages come from the cache. */
  readAhead?: boolean;
}

export function createPager(paging: Paging, fetch: SegmentFetchers, filter: SecretFilter | null, options: PagerOptions = {}): SegmentPager {
  switch (paging.kind) {
    case 'page-number':
      return new PageNumberPager(paging.maxPageSize, fetch, filter, options.readAhead ?? false);
    case 'marker':
      return new MarkerPager(paging.maxLimit, paging.markerOf, fetch, filter);
    case 'token':
      return new TokenPager(paging.pageSize, fetch, filter);
    case 'none':
      return new UnpagedPager(fetch, filter);
  }
}

function expectIndex(position: Position | null): number | null {
  if (position === null) return null;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0) throw new PositionError('position is not an index');
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
  ) {}

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
    const rows = [...(await this.page(plan.pages[0], plan.pageSize))];
    // The first answer tells the total: pages past it would come back empty, so skip them.
    const rest = plan.pages.slice(1).filter((p) => (p - 1) * plan.pageSize < this.total!);
    for (const items of await Promise.all(rest.map((p) => this.page(p, plan.pageSize)))) rows.push(...items);
    return rows.slice(start - firstOffset, end - firstOffset);
  }

  async forward(after: Position | null, want: number): Promise<Slice> {
    const start = (expectIndex(after) ?? -1) + 1;
    if (!this.filter) {
      const rows = await this.range(start, start + want);
      return { entries: rows.map((record, i) => ({ record, position: start + i })), hasMore: start + rows.length < (this.total ?? this.hint ?? 0) };
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
  ) {}

  async forward(after: Position | null, want: number): Promise<Slice> {
    if (after !== null && typeof after !== 'string') throw new PositionError('position is not a marker');
    const found: Entry[] = [];
    const seen = new Set<string>();
    let marker = after;
    for (;;) {
      // One extra row tells whether more follow; one more absorbs a page that repeats its marker.
      const limit = this.filter ? this.maxLimit : Math.min(this.maxLimit, want + 1 - found.length + (marker === null ? 0 : 1));
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
  ) {}

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
    return { entries: list.slice(start, end).map((record, i) => ({ record, position: start + i })), hasMore: start > 0 };
  }

  async count(): Promise<number | null> {
    return (await this.items()).length;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}

/**
 * Providers that page by an opaque continuation token (AWS NextToken): a position is the token
 * that starts the item's provider page and the item's offset in it, so every page asked for is a
 * whole provider page of the same size (cached, and the same for every client walking it).
 */
class TokenPager implements SegmentPager {
  readonly backwardSupported = false;
  readonly countable = false;

  constructor(
    private readonly pageSize: number,
    private readonly fetch: SegmentFetchers,
    private readonly filter: SecretFilter | null,
  ) {}

  async forward(after: Position | null, want: number): Promise<Slice> {
    let { token, offset } = after === null ? { token: null, offset: -1 } : parseTokenPosition(after);
    const found: Entry[] = [];
    for (;;) {
      const page = await this.fetch.token(token, this.pageSize);
      for (let i = offset + 1; i < page.items.length; i++) {
        const record = page.items[i];
        if (this.filter && !matches(record, this.filter)) continue;
        if (found.length === want) return { entries: found, hasMore: true };
        // The last item of a page stands just before the next page: resuming there costs no call for this one.
        const last = i === page.items.length - 1 && page.nextToken !== null;
        found.push({ record, position: last ? tokenPosition(page.nextToken, -1) : tokenPosition(token, i) });
      }
      // A next token says more may follow (AWS may end with an empty page): no call just to find out.
      if (!page.nextToken || found.length === want) return { entries: found, hasMore: page.nextToken !== null };
      token = page.nextToken;
      offset = -1;
    }
  }

  async backward(): Promise<Slice> {
    throw new Error('token pagination cannot walk backward');
  }

  async count(): Promise<number | null> {
    return null;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}

/** `<offset>:<token>` (offset -1: before the page's first item); the first page has the empty token. Signed inside our cursor like any position. */
const tokenPosition = (token: string | null, offset: number): string => `${offset}:${token ?? ''}`;

function parseTokenPosition(position: Position): { token: string | null; offset: number } {
  const match = typeof position === 'string' ? /^(-1|\d{1,4}):([\s\S]*)$/.exec(position) : null;
  if (!match) throw new PositionError('position is not a token position');
  return { token: match[2] === '' ? null : match[2], offset: Number(match[1]) };
}
