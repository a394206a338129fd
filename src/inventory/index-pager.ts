import type { RecordTest } from '../pagination/filter.js';
import { indexPosition, type Position, type SegmentPager, type Slice } from '../pagination/segment.js';
import type { IndexedSecret, SourceIndex } from './source-index.js';

/**
 * One namespace of a source's index as a segment of a provider walk (a page whose other sources are
 * read live). Positions are the index's own seqs: a secret keeps its seq across syncs and a new one
 * comes after every other, so a walk on the index loses and repeats nothing while syncs change it.
 */
export class IndexPager implements SegmentPager {
  readonly backwardSupported = true;
  readonly countable = true;

  constructor(
    private readonly index: SourceIndex,
    private readonly namespaceId: string,
    private readonly test: RecordTest | null,
  ) {}

  private items(): readonly IndexedSecret[] {
    const all = this.index.entriesBySeq(this.namespaceId);
    const test = this.test;
    return test ? all.filter((entry) => test(entry.record)) : all;
  }

  async forward(after: Position | null, want: number): Promise<Slice> {
    const items = this.items();
    const start = firstAbove(items, indexPosition(after));
    return { entries: slice(items, start, start + want), hasMore: start + want < items.length };
  }

  async backward(before: Position | null, want: number): Promise<Slice> {
    const items = this.items();
    const seq = indexPosition(before);
    const end = seq === null ? items.length : firstAbove(items, seq - 1);
    const start = Math.max(0, end - want);
    return { entries: slice(items, start, end), hasMore: start > 0 };
  }

  async count(): Promise<number> {
    return this.items().length;
  }

  prefetchStart(): void {}

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}

/** The first item whose seq is above `seq` (all of them for null). */
function firstAbove(items: readonly IndexedSecret[], seq: number | null): number {
  if (seq === null) return 0;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].seq <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function slice(items: readonly IndexedSecret[], start: number, end: number): Slice['entries'] {
  return items.slice(start, end).map((entry) => ({ record: entry.record, position: entry.seq }));
}
