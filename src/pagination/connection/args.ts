import { GraphQLError } from 'graphql';
import { cursorError, type CursorCodec, type CursorPayload } from '../cursor.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../page-size.js';
import type { Position } from '../segment.js';
import { parseSegmentKey, type SegmentGroup } from './segments.js';

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
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

export interface PageRequest {
  backward: boolean;
  want: number;
  cursorArg: 'after' | 'before';
  cursor: CursorPayload | null;
}

export function pageRequest(args: ConnectionArgs, codec: CursorCodec, binding: string): PageRequest {
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
export interface Start {
  group: number;
  /** Segment key, or null for the group's first segment in the walk's direction. */
  segment: string | null;
  position: Position | null;
  /** Start at the segment after `segment` in the walk's direction (the cursor stood at its far end). */
  beyond: boolean;
  /** The segment's total carried by the cursor. */
  hint?: number;
}

export function startOf(request: PageRequest, groups: SegmentGroup[]): Start {
  const { cursor, backward, cursorArg } = request;
  if (!cursor) return { group: backward ? groups.length - 1 : 0, segment: null, position: null, beyond: false };
  const key = parseSegmentKey(cursor.s);
  if (!key) throw cursorError('MALFORMED_CURSOR', cursorArg);
  const group = groups.findIndex((g) => g.sourceId === key.sourceId);
  if (group < 0) throw cursorError('FOREIGN_CURSOR', cursorArg);
  // An end of a segment (or of a whole source) that lies behind the walk's direction is passed.
  const beyond = cursor.p === null && cursor.z === (backward ? 0 : 1);
  if (key.namespaceId === null) {
    if (cursor.p !== null) throw cursorError('MALFORMED_CURSOR', cursorArg);
    return beyond
      ? { group: group + (backward ? -1 : 1), segment: null, position: null, beyond: false }
      : { group, segment: null, position: null, beyond: false };
  }
  return { group, segment: cursor.s, position: cursor.p, beyond, hint: cursor.h };
}
