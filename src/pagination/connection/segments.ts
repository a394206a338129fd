import type { Provider } from '../../domain/records.js';
import type { UpstreamError } from '../../upstream/errors.js';
import type { SegmentPager } from '../segment.js';

/**
 * A connection walks an ordered list of segments (source × namespace); a single namespace is a
 * list of one. Segments are expanded lazily, group by group, so a page that ends early never
 * lists the namespaces of sources it does not reach.
 */
export interface Segment {
  /** Stable key, stored in cursors. */
  key: string;
  sourceId: string;
  namespaceId: string;
  pager(): SegmentPager;
}

export interface SegmentGroup {
  sourceId: string;
  provider: Provider;
  /** Whether its segments can be counted (known from the source's paging and the filter alone). */
  countable: boolean;
  segments(): Promise<Segment[]>;
}

/** One request's segments: each group expanded at most once, one pager per segment. */
export interface SegmentReader {
  groups: SegmentGroup[];
  /** The group's segments, or the error that listing them failed with. */
  expand(group: number): Promise<Segment[] | UpstreamError>;
  pagerOf(segment: Segment): SegmentPager;
}

export interface SegmentState {
  sourceId: string;
  provider: Provider;
  namespaceId: string | null;
  /** DEGRADED: answered, but only after retries (throttling, timeouts, 5xx). */
  status: 'OK' | 'DEGRADED' | 'FAILED';
  error: UpstreamError | null;
}

/** Why a page ended before it was full: the source that failed; the page's cursor retries it. */
export interface PageInterruption {
  state: SegmentState & { error: UpstreamError };
}

/** The third part of the key of a segment read from the inventory's index rather than the provider. */
export const INDEX_SEGMENT = 'index';

/** `fromIndex`: the segment is read from the inventory's index (its cursors stay on it). */
export function segmentKey(sourceId: string, namespaceId: string, fromIndex = false): string {
  return JSON.stringify(fromIndex ? [sourceId, namespaceId, INDEX_SEGMENT] : [sourceId, namespaceId]);
}

/**
 * A segment key as a cursor carries it: `[source]` (a whole source), `[source, namespace]`, or
 * `[source, namespace, "index"]` for a segment read from the inventory; null when it is none of them.
 */
export function parseSegmentKey(
  key: string,
): { sourceId: string; namespaceId: string | null; fromIndex: boolean } | null {
  let parts: unknown;
  try {
    parts = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || parts.length < 1 || parts.length > 3 || typeof parts[0] !== 'string') return null;
  if (parts.length >= 2 && typeof parts[1] !== 'string') return null;
  if (parts.length === 3 && parts[2] !== INDEX_SEGMENT) return null;
  return { sourceId: parts[0], namespaceId: parts[1] ?? null, fromIndex: parts.length === 3 };
}

/** A whole source, before its namespaces are known: where a page stops when listing them failed. */
export function groupKey(sourceId: string): string {
  return JSON.stringify([sourceId]);
}
