import { UpstreamError } from '../../upstream/errors.js';
import type { Segment, SegmentReader } from './segments.js';

/** `totalCount`: every segment's count, or null when any source in range cannot count. */
export async function countAll({ groups, expand, pagerOf }: SegmentReader): Promise<number | null> {
  // A source that cannot count (CSMS, a filter applied in the gateway) makes the total unknown, if it has
  // anything in range; those sources list their namespaces without a call, so this costs nothing.
  for (let gi = 0; gi < groups.length; gi++) {
    if (groups[gi].countable) continue;
    const segments = await expand(gi);
    if (segments instanceof UpstreamError || segments.length > 0) return null;
  }
  const all: Segment[] = [];
  for (let gi = 0; gi < groups.length; gi++) {
    const segments = await expand(gi);
    if (segments instanceof UpstreamError) return null;
    all.push(...segments);
  }
  if (!all.every((segment) => pagerOf(segment).countable)) return null;
  const counts = await Promise.all(all.map((segment) => pagerOf(segment).count()));
  return counts.every((c): c is number => c !== null) ? counts.reduce((a, b) => a + b, 0) : null;
}
