import { GraphQLError } from 'graphql';
import type { SecretRecord } from '../sources/types.js';
import { UpstreamError } from '../upstream/errors.js';
import { cursorError, type CursorCodec, type CursorPayload } from './cursor.js';
import type { Position, SegmentPager } from './segment.js';

/**
 * Relay connections over an ordered list of segments (source × namespace). A single namespace
 * is a list of one. Segments are expanded lazily, group by group, so a page that ends early
 * never lists the namespaces of sources it does not reach.
 */

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface Segment {
  /** Stable key, stored in cursors. */
  key: string;
  sourceId: string;
  namespaceId: string;
  pager(): SegmentPager;
}

export interface SegmentGroup {
  sourceId: string;
  provider: string;
  /** Whether its segments can be counted (known from the source's paging and the filter alone). */
  countable: boolean;
  segments(): Promise<Segment[]>;
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface SegmentState {
  sourceId: string;
  provider: string;
  namespaceId: string | null;
  /** DEGRADED: answered, but only after retries (throttling, timeouts, 5xx). */
  status: 'OK' | 'DEGRADED' | 'FAILED';
  error: UpstreamError | null;
}

export interface ConnectionPage {
  edges: Array<{ cursor: string; node: SecretRecord }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount(): Promise<number | null>;
  states: SegmentState[];
}

export function badArgument(message: string, argument: string, reason = 'INVALID_ARGUMENT'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument, reason } });
}

function pageSize(value: number | null | undefined, name: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw badArgument(`"${name}" must be between 1 and ${MAX_PAGE_SIZE}`, name);
  return value;
}

export async function paginate(options: {
  groups: SegmentGroup[];
  args: ConnectionArgs;
  codec: CursorCodec;
  binding: string;
}): Promise<ConnectionPage> {
  const { groups, args, codec, binding } = options;
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  if (first !== null && last !== null) throw badArgument('pass "first" or "last", not both', 'last');
  if (args.after && args.before) throw badArgument('pass "after" or "before", not both', 'before');
  if (args.before && first !== null) throw badArgument('"before" goes with "last"', 'before');
  if (args.after && last !== null) throw badArgument('"after" goes with "first"', 'after');
  const backward = last !== null || !!args.before;
  const want = (backward ? last : first) ?? DEFAULT_PAGE_SIZE;
  const cursorArg = backward ? 'before' : 'after';
  const cursor: CursorPayload | null = args[cursorArg] ? codec.decode(args[cursorArg]!, binding, cursorArg) : null;

  const states: SegmentState[] = [];
  const pagers = new Map<string, SegmentPager>();
  const pagerOf = (segment: Segment) => {
    let pager = pagers.get(segment.key);
    if (!pager) pagers.set(segment.key, (pager = segment.pager()));
    return pager;
  };
  const expanded = new Map<number, Segment[] | null>();
  const segmentsOf = async (index: number): Promise<Segment[] | null> => {
    if (expanded.has(index)) return expanded.get(index)!;
    const group = groups[index];
    let result: Segment[] | null;
    try {
      result = await group.segments();
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      states.push({ sourceId: group.sourceId, provider: group.provider, namespaceId: null, status: 'FAILED', error });
      result = null;
    }
    expanded.set(index, result);
    return result;
  };

  let startGroup = backward ? groups.length - 1 : 0;
  if (cursor) {
    const sourceId = (JSON.parse(cursor.s) as [string, string])[0];
    startGroup = groups.findIndex((g) => g.sourceId === sourceId);
    if (startGroup < 0) throw cursorError('FOREIGN_CURSOR', cursorArg);
  }

  const collected: Array<{ segment: Segment; record: SecretRecord; position: Position }> = [];
  let more = false;
  const step = backward ? -1 : 1;
  walk: for (let gi = startGroup; gi >= 0 && gi < groups.length; gi += step) {
    const segments = await segmentsOf(gi);
    if (!segments) continue;
    let si = backward ? segments.length - 1 : 0;
    let position: Position | null = null;
    if (cursor && gi === startGroup) {
      si = segments.findIndex((s) => s.key === cursor.s);
      if (si < 0) throw cursorError('FOREIGN_CURSOR', cursorArg);
      position = cursor.p;
      if (cursor.h !== undefined) pagerOf(segments[si]).useHint(cursor.h);
    }
    for (; si >= 0 && si < segments.length; si += step) {
      const segment = segments[si];
      const pager = pagerOf(segment);
      if (backward && !pager.backwardSupported) {
        throw badArgument(`source "${segment.sourceId}" pages by marker and cannot be walked backward: use "first" and "after"`, cursorArg === 'before' && cursor ? 'before' : 'last', 'BACKWARD_PAGINATION_UNSUPPORTED');
      }
      const remaining = want - collected.length;
      let slice;
      try {
        slice = backward ? await pager.backward(position, remaining) : await pager.forward(position, remaining);
      } catch (error) {
        if (error instanceof TypeError) throw cursorError('MALFORMED_CURSOR', cursorArg);
        if (!(error instanceof UpstreamError)) throw error;
        states.push({ sourceId: segment.sourceId, provider: groups[gi].provider, namespaceId: segment.namespaceId, status: 'FAILED', error });
        position = null;
        continue;
      }
      states.push({ sourceId: segment.sourceId, provider: groups[gi].provider, namespaceId: segment.namespaceId, status: 'OK', error: null });
      const entries = slice.entries.map((e) => ({ segment, ...e }));
      if (backward) collected.unshift(...entries);
      else collected.push(...entries);
      position = null;
      if (collected.length >= want) {
        // Later segments may turn out empty; then the next page is empty and says so.
        const laterSegments = backward ? si > 0 || gi > 0 : si < segments.length - 1 || gi < groups.length - 1;
        more = slice.hasMore || laterSegments;
        break walk;
      }
    }
  }

  // Cursors are signed only when asked for (a page that selects `nodes` pays for none), and once per
  // run of consecutive index positions in a segment: signing was the largest cost of a page of edges.
  const payloadOf = (segment: Segment, position: Position) => {
    const hint = pagerOf(segment).totalHint();
    return hint === null ? { s: segment.key, p: position } : { s: segment.key, p: position, h: hint };
  };
  const runs: Array<{ segment: Segment; start: Position; length: number; cursorAt?: (offset: number) => string }> = [];
  const edges = collected.map(({ segment, record, position }) => {
    const last = runs[runs.length - 1];
    let run = last;
    let offset = 0;
    if (last && last.segment.key === segment.key && typeof last.start === 'number' && position === last.start + last.length) offset = last.length++;
    else runs.push((run = { segment, start: position, length: 1 }));
    return {
      get cursor() {
        if (run.length === 1) return codec.encode(binding, payloadOf(run.segment, run.start));
        run.cursorAt ??= codec.encodeRun(binding, payloadOf(run.segment, run.start) as ReturnType<typeof payloadOf> & { p: number }, run.length);
        return run.cursorAt(offset);
      },
      node: record,
    };
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: backward ? !!cursor : more,
      hasPreviousPage: backward ? more : !!cursor,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    },
    states,
    async totalCount() {
      // A source that failed on this page cannot be counted; asking it again would only repeat the failure.
      if (states.some((s) => s.status === 'FAILED')) return null;
      // A source that cannot count (CSMS, a filter applied in the gateway) makes the total unknown, if it has
      // anything in range; those sources list their namespaces without a call, so this costs nothing.
      for (let gi = 0; gi < groups.length; gi++) {
        if (!groups[gi].countable && ((await segmentsOf(gi))?.length ?? 0) > 0) return null;
      }
      const all: Segment[] = [];
      for (let gi = 0; gi < groups.length; gi++) {
        const segments = await segmentsOf(gi);
        if (!segments) return null;
        all.push(...segments);
      }
      // One segment that cannot count (CSMS, a filter applied in the gateway) makes the total unknown: call nothing.
      if (!all.every((segment) => pagerOf(segment).countable)) return null;
      const counts = await Promise.all(all.map((segment) => pagerOf(segment).count()));
      return counts.every((c): c is number => c !== null) ? counts.reduce((a, b) => a + b, 0) : null;
    },
  };
}

export function segmentKey(sourceId: string, namespaceId: string): string {
  return JSON.stringify([sourceId, namespaceId]);
}
