import type { SecretRecord } from '../../domain/records.js';
import type { CursorCodec } from '../cursor.js';
import type { Position, SegmentPager } from '../segment.js';
import type { Segment } from './segments.js';
import type { Collected } from './walk.js';

export interface Edge {
  cursor: string;
  node: SecretRecord;
}

/**
 * Cursors are signed only when asked for (a page that selects `nodes` pays for none), and once per
 * run of consecutive index positions in a segment: signing was the largest cost of a page of edges.
 */
export function edgesOf(
  collected: Collected[],
  pagerOf: (segment: Segment) => SegmentPager,
  codec: CursorCodec,
  binding: string,
): Edge[] {
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
