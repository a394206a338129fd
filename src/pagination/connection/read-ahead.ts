import { UpstreamError } from '../../upstream/errors.js';
import { PREFETCH_CALLS_PER_REQUEST, PrefetchBudget } from '../segment.js';
import type { PageRequest } from './args.js';
import type { Segment, SegmentReader } from './segments.js';

/** A request with a cursor continues a walk: the provider pages after its page are read ahead. */
export function readAheadBudget(request: PageRequest): PrefetchBudget | null {
  return request.cursor && !request.backward ? new PrefetchBudget(PREFETCH_CALLS_PER_REQUEST) : null;
}

/**
 * While a client walks, the segments after its page read their first pages ahead, nearest first,
 * within what the request's budget has left after its own segment's read-ahead. Never awaited by
 * the page, and silent: a source whose namespaces cannot be listed is simply not read ahead.
 */
export async function prefetchLater(
  { groups, expand, pagerOf }: SegmentReader,
  gi: number,
  rest: Segment[],
  budget: PrefetchBudget,
): Promise<void> {
  for (const segment of rest) pagerOf(segment).prefetchStart(budget);
  for (let g = gi + 1; g < groups.length && !budget.spent; g++) {
    const segments = await expand(g).catch(() => null);
    if (!segments || segments instanceof UpstreamError) return;
    for (const segment of segments) pagerOf(segment).prefetchStart(budget);
  }
}
