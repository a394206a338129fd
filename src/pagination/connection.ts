import { UpstreamError } from '../upstream/errors.js';
import type { CursorCodec } from './cursor.js';
import type { SegmentPager } from './segment.js';
import { type ConnectionArgs, type PageRequest, pageRequest, startOf } from './connection/args.js';
import { countAll } from './connection/count.js';
import { type Edge, edgesOf } from './connection/edges.js';
import type { PageInterruption, Segment, SegmentGroup, SegmentReader, SegmentState } from './connection/segments.js';
import { walk } from './connection/walk.js';

/**
 * Relay connections over an ordered list of segments (source × namespace), in parts under
 * connection/: the arguments, the walk, the read-ahead behind a walking client, the count.
 */

export { badArgument, type ConnectionArgs } from './connection/args.js';
export {
  groupKey,
  parseSegmentKey,
  segmentKey,
  type PageInterruption,
  type Segment,
  type SegmentGroup,
  type SegmentState,
} from './connection/segments.js';
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-size.js';

export interface ConnectionPage {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount(): Promise<number | null>;
  states: SegmentState[];
  interruption: PageInterruption | null;
  /** Served from the inventory: the oldest sync it used (absent or null when read live). */
  asOf?: Date | null;
}

export async function paginate(options: {
  groups: SegmentGroup[];
  args: ConnectionArgs;
  codec: CursorCodec;
  binding: string;
  /** The arguments as the caller already read them (one cursor check per request). */
  request?: PageRequest;
}): Promise<ConnectionPage> {
  const { groups, codec, binding } = options;
  const request = options.request ?? pageRequest(options.args, codec, binding);
  const states: SegmentState[] = [];
  const reader = segmentReader(groups);

  const { collected, more, interruption } = await walk(request, reader, startOf(request, groups), states);
  const edges = edgesOf(collected, reader.pagerOf, codec, binding);
  const { backward } = request;
  // With nothing returned before a failure, the page's cursor stands where the walk stopped, so
  // that asking again with it retries the failed source.
  const resumeCursor = interruption && edges.length === 0 ? codec.encode(binding, interruption.resume) : null;
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? !!request.cursor : more,
      hasPreviousPage: backward ? more : !!request.cursor,
      get startCursor() {
        return edges[0]?.cursor ?? resumeCursor;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? resumeCursor;
      },
    },
    states,
    interruption: interruption && { state: interruption.state },
    totalCount: () => (interruption ? Promise.resolve(null) : countAll(reader)),
  };
}

function segmentReader(groups: SegmentGroup[]): SegmentReader {
  const pagers = new Map<string, SegmentPager>();
  const expanded = new Map<number, Promise<Segment[] | UpstreamError>>();
  return {
    groups,
    pagerOf(segment) {
      let pager = pagers.get(segment.key);
      if (!pager) pagers.set(segment.key, (pager = segment.pager()));
      return pager;
    },
    expand(index) {
      let segments = expanded.get(index);
      if (!segments) {
        segments = groups[index].segments().catch((error: unknown) => {
          if (error instanceof UpstreamError) return error;
          throw error;
        });
        expanded.set(index, segments);
      }
      return segments;
    },
  };
}
