import type { SecretRecord } from '../domain/records.js';

/**
 * One pager per (source, namespace): walks the provider's own paging scheme (src/pagination/paging/)
 * forward or backward, applying the part of the filter the provider could not.
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

/** A position that must be an index (page-number and unpaged segments). */
export function indexPosition(position: Position | null): number | null {
  if (position === null) return null;
  if (typeof position !== 'number' || !Number.isInteger(position) || position < 0)
    throw new PositionError('position is not an index');
  return position;
}
