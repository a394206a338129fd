import type { SecretRecord } from '../../domain/records.js';
import { UpstreamError } from '../../upstream/errors.js';
import { cursorError, type CursorPayload } from '../cursor.js';
import { PositionError, type Position, type Slice } from '../segment.js';
import { badArgument, type PageRequest, type Start } from './args.js';
import { prefetchLater, readAheadBudget } from './read-ahead.js';
import { groupKey, type PageInterruption, type Segment, type SegmentReader, type SegmentState } from './segments.js';

export interface Collected {
  segment: Segment;
  record: SecretRecord;
  position: Position;
}

export interface Walk {
  collected: Collected[];
  /** More may lie beyond the page in the walk's direction. */
  more: boolean;
  interruption: (PageInterruption & { resume: CursorPayload }) | null;
}

/**
 * Reads segments in order until the page is full or every segment is read. A failing source ends
 * the page just before it: the walk never moves past what it did not return.
 */
export async function walk(
  request: PageRequest,
  reader: SegmentReader,
  start: Start,
  states: SegmentState[],
): Promise<Walk> {
  const { groups, expand, pagerOf } = reader;
  const { backward, want, cursorArg } = request;
  const step = backward ? -1 : 1;
  const readAhead = readAheadBudget(request);
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
        if (readAhead) void prefetchLater(reader, gi, segments.slice(si + 1), readAhead);
        // Later segments may turn out empty; then the next page is empty and says so.
        const later = backward ? si > 0 || gi > 0 : si < segments.length - 1 || gi < groups.length - 1;
        return { collected, more: slice.hasMore || later, interruption: null };
      }
    }
  }
  return { collected, more: false, interruption: null };
}
