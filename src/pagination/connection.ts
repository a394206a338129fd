import { GraphQLError } from 'graphql';
import type { Provider, SecretRecord } from '../domain/records.js';
import { UpstreamError } from '../upstream/errors.js';
import { cursorError, type CursorCodec, type CursorPayload } from './cursor.js';
import {
  PositionError,
  PREFETCH_CALLS_PER_REQUEST,
  PrefetchBudget,
  type Position,
  type SegmentPager,
  type Slice,
} from './segment.js';

/**
 * Relay connections over an ordered list of segments (source × namespace). A single namespace
 * is a list of one. Segments are expanded lazily, group by group, so a page that ends early
 * never lists the namespaces of sources it does not reach.
 */

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-size.js';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE };

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

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
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

export interface ConnectionPage {
  edges: Array<{ cursor: string; node: SecretRecord }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount(): Promise<number | null>;
  states: SegmentState[];
  interruption: PageInterruption | null;
}

export function badArgument(message: string, argument: string, reason = 'INVALID_ARGUMENT'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument, reason } });
}

function pageSize(value: number | null | undefined, name: string): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE)
    throw badArgument(`"${name}" must be between 1 and ${MAX_PAGE_SIZE}`, name);
  return value;
}

interface PageRequest {
  backward: boolean;
  want: number;
  cursorArg: 'after' | 'before';
  cursor: CursorPayload | null;
}

function parseArgs(args: ConnectionArgs, codec: CursorCodec, binding: string): PageRequest {
  const first = pageSize(args.first, 'first');
  const last = pageSize(args.last, 'last');
  if (first !== null && last !== null) throw badArgument('pass "first" or "last", not both', 'last');
  if (args.after && args.before) throw badArgument('pass "after" or "before", not both', 'before');
  if (args.before && first !== null) throw badArgument('"before" goes with "last"', 'before');
  if (args.after && last !== null) throw badArgument('"after" goes with "first"', 'after');
  const backward = last !== null || !!args.before;
  const cursorArg = backward ? 'before' : 'after';
  const text = args[cursorArg];
  return {
    backward,
    want: (backward ? last : first) ?? DEFAULT_PAGE_SIZE,
    cursorArg,
    cursor: text ? codec.decode(text, binding, cursorArg) : null,
  };
}

/** Where a walk starts: a group, a segment in it (or its first in the walk's direction), a position in that segment. */
interface Start {
  group: number;
  /** Segment key, or null for the group's first segment in the walk's direction. */
  segment: string | null;
  position: Position | null;
  /** Start at the segment after `segment` in the walk's direction (the cursor stood at its far end). */
  beyond: boolean;
  /** The segment's total carried by the cursor. */
  hint?: number;
}

function startOf(request: PageRequest, groups: SegmentGroup[]): Start {
  const { cursor, backward, cursorArg } = request;
  if (!cursor) return { group: backward ? groups.length - 1 : 0, segment: null, position: null, beyond: false };
  let key: unknown;
  try {
    key = JSON.parse(cursor.s);
  } catch {
    throw cursorError('MALFORMED_CURSOR', cursorArg);
  }
  if (!Array.isArray(key) || typeof key[0] !== 'string' || key.length < 1 || key.length > 2)
    throw cursorError('MALFORMED_CURSOR', cursorArg);
  const group = groups.findIndex((g) => g.sourceId === key[0]);
  if (group < 0) throw cursorError('FOREIGN_CURSOR', cursorArg);
  // An end of a segment (or of a whole source) that lies behind the walk's direction is passed.
  const beyond = cursor.p === null && cursor.z === (backward ? 0 : 1);
  if (key.length === 1) {
    if (cursor.p !== null) throw cursorError('MALFORMED_CURSOR', cursorArg);
    return beyond
      ? { group: group + (backward ? -1 : 1), segment: null, position: null, beyond: false }
      : { group, segment: null, position: null, beyond: false };
  }
  return { group, segment: cursor.s, position: cursor.p, beyond, hint: cursor.h };
}

interface Collected {
  segment: Segment;
  record: SecretRecord;
  position: Position;
}

interface Walk {
  collected: Collected[];
  /** More may lie beyond the page in the walk's direction. */
  more: boolean;
  interruption: (PageInterruption & { resume: CursorPayload }) | null;
}

/**
 * Reads segments in order until the page is full or every segment is read. A failing source ends
 * the page just before it: the walk never moves past what it did not return.
 */
async function walk(
  request: PageRequest,
  groups: SegmentGroup[],
  start: Start,
  expand: (group: number) => Promise<Segment[] | UpstreamError>,
  pagerOf: (segment: Segment) => SegmentPager,
  states: SegmentState[],
): Promise<Walk> {
  const { backward, want, cursorArg } = request;
  const step = backward ? -1 : 1;
  // A request with a cursor continues a walk: the provider pages after its page are read ahead.
  const readAhead = request.cursor && !backward ? new PrefetchBudget(PREFETCH_CALLS_PER_REQUEST) : null;
  const collected: Collected[] = [];
  let read = false;
  // Until a segment has answered, the walk stands where the request's cursor put it: resume there
  // (the source's namespaces, and so the place the cursor names, are listed anew by every request).
  const stopAt = (state: SegmentState & { error: UpstreamError }, resume: CursorPayload): Walk => ({
    collected,
    more: true,
    interruption: { state, resume: !read && request.cursor ? request.cursor : resume },
  });
  for (let gi = start.group; gi >= 0 && gi < groups.length; gi += step) {
    const group = groups[gi];
    const segments = await expand(gi);
    if (segments instanceof UpstreamError) {
      const state = {
        sourceId: group.sourceId,
        provider: group.provider,
        namespaceId: null,
        status: 'FAILED' as const,
        error: segments,
      };
      states.push(state);
      return stopAt(state, { s: groupKey(group.sourceId), p: null, z: backward ? 1 : 0 });
    }
    let si = backward ? segments.length - 1 : 0;
    let position: Position | null = null;
    if (gi === start.group && start.segment !== null) {
      si = segments.findIndex((s) => s.key === start.segment);
      if (si < 0) throw cursorError('FOREIGN_CURSOR', cursorArg);
      if (start.beyond) si += step;
      else {
        position = start.position;
        if (start.hint !== undefined) pagerOf(segments[si]).useHint(start.hint);
      }
    }
    for (; si >= 0 && si < segments.length; si += step) {
      const segment = segments[si];
      const pager = pagerOf(segment);
      if (backward && !pager.backwardSupported) {
        throw badArgument(
          `source "${segment.sourceId}" pages forward only (by marker or token) and cannot be walked backward: use "first" and "after"`,
          request.cursor ? 'before' : 'last',
          'BACKWARD_PAGINATION_UNSUPPORTED',
        );
      }
      let slice: Slice;
      try {
        slice = backward
          ? await pager.backward(position, want - collected.length)
          : await pager.forward(position, want - collected.length, readAhead);
      } catch (error) {
        if (error instanceof PositionError) throw cursorError('MALFORMED_CURSOR', cursorArg);
        if (!(error instanceof UpstreamError)) throw error;
        const state = {
          sourceId: segment.sourceId,
          provider: group.provider,
          namespaceId: segment.namespaceId,
          status: 'FAILED' as const,
          error,
        };
        states.push(state);
        const hint = pager.totalHint();
        const at: CursorPayload =
          position === null ? { s: segment.key, p: null, z: backward ? 1 : 0 } : { s: segment.key, p: position };
        return stopAt(state, hint === null || position === null ? at : { ...at, h: hint });
      }
      states.push({
        sourceId: segment.sourceId,
        provider: group.provider,
        namespaceId: segment.namespaceId,
        status: 'OK',
        error: null,
      });
      read = true;
      const entries = slice.entries.map((e) => ({ segment, ...e }));
      if (backward) collected.unshift(...entries);
      else collected.push(...entries);
      position = null;
      if (collected.length >= want) {
        if (readAhead) void prefetchLater(groups, gi, segments.slice(si + 1), expand, pagerOf, readAhead);
        // Later segments may turn out empty; then the next page is empty and says so.
        const later = backward ? si > 0 || gi > 0 : si < segments.length - 1 || gi < groups.length - 1;
        return { collected, more: slice.hasMore || later, interruption: null };
      }
    }
  }
  return { collected, more: false, interruption: null };
}

/**
 * While a client walks, the segments after its page read their first pages ahead, nearest first,
 * within what the request's budget has left after its own segment's read-ahead. Never awaited by
 * the page, and silent: a source whose namespaces cannot be listed is simply not read ahead.
 */
async function prefetchLater(
  groups: SegmentGroup[],
  gi: number,
  rest: Segment[],
  expand: (group: number) => Promise<Segment[] | UpstreamError>,
  pagerOf: (segment: Segment) => SegmentPager,
  budget: PrefetchBudget,
): Promise<void> {
  for (const segment of rest) pagerOf(segment).prefetchStart(budget);
  for (let g = gi + 1; g < groups.length && !budget.spent; g++) {
    const segments = await expand(g).catch(() => null);
    if (!segments || segments instanceof UpstreamError) return;
    for (const segment of segments) pagerOf(segment).prefetchStart(budget);
  }
}

export async function paginate(options: {
  groups: SegmentGroup[];
  args: ConnectionArgs;
  codec: CursorCodec;
  binding: string;
}): Promise<ConnectionPage> {
  const { groups, codec, binding } = options;
  const request = parseArgs(options.args, codec, binding);
  const states: SegmentState[] = [];
  const pagers = new Map<string, SegmentPager>();
  const pagerOf = (segment: Segment) => {
    let pager = pagers.get(segment.key);
    if (!pager) pagers.set(segment.key, (pager = segment.pager()));
    return pager;
  };
  const expanded = new Map<number, Promise<Segment[] | UpstreamError>>();
  const expand = (index: number): Promise<Segment[] | UpstreamError> => {
    let segments = expanded.get(index);
    if (!segments) {
      segments = groups[index].segments().catch((error: unknown) => {
        if (error instanceof UpstreamError) return error;
        throw error;
      });
      expanded.set(index, segments);
    }
    return segments;
  };

  const { collected, more, interruption } = await walk(
    request,
    groups,
    startOf(request, groups),
    expand,
    pagerOf,
    states,
  );
  const edges = edgesOf(collected, pagerOf, codec, binding);
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
    totalCount: () => (interruption ? Promise.resolve(null) : countAll(groups, expand, pagerOf)),
  };
}

/**
 * Cursors are signed only when asked for (a page that selects `nodes` pays for none), and once per
 * run of consecutive index positions in a segment: signing was the largest cost of a page of edges.
 */
function edgesOf(
  collected: Collected[],
  pagerOf: (segment: Segment) => SegmentPager,
  codec: CursorCodec,
  binding: string,
): ConnectionPage['edges'] {
  const payloadOf = (segment: Segment, position: Position) => {
    const hint = pagerOf(segment).totalHint();
    return hint === null ? { s: segment.key, p: position } : { s: segment.key, p: position, h: hint };
  };
  const runs: Array<{ segment: Segment; start: Position; length: number; cursorAt?: (offset: number) => string }> = [];
  return collected.map(({ segment, record, position }) => {
    const last = runs[runs.length - 1];
    let run = last;
    let offset = 0;
    if (
      last &&
      last.segment.key === segment.key &&
      typeof last.start === 'number' &&
      position === last.start + last.length
    )
      offset = last.length++;
    else runs.push((run = { segment, start: position, length: 1 }));
    return {
      get cursor() {
        if (run.length === 1) return codec.encode(binding, payloadOf(run.segment, run.start));
        run.cursorAt ??= codec.encodeRun(
          binding,
          payloadOf(run.segment, run.start) as ReturnType<typeof payloadOf> & { p: number },
          run.length,
        );
        return run.cursorAt(offset);
      },
      node: record,
    };
  });
}

async function countAll(
  groups: SegmentGroup[],
  expand: (group: number) => Promise<Segment[] | UpstreamError>,
  pagerOf: (segment: Segment) => SegmentPager,
): Promise<number | null> {
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

export function segmentKey(sourceId: string, namespaceId: string): string {
  return JSON.stringify([sourceId, namespaceId]);
}

/** A whole source, before its namespaces are known: where a page stops when listing them failed. */
export function groupKey(sourceId: string): string {
  return JSON.stringify([sourceId]);
}
