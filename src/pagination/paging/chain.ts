import type { SecretRecord } from '../../domain/records.js';
import type { RecordTest } from '../filter.js';
import {
  type Entry,
  type Position,
  PositionError,
  type PrefetchBudget,
  type SegmentPager,
  type Slice,
} from '../segment.js';

/** One provider page of a chain: its rows, and where the next page starts (null: the last page). */
export interface ChainPage {
  items: SecretRecord[];
  next: string | null;
}

/** How a chain's pages are read: whole pages of one size, each from where the previous said the next starts. */
export interface ChainLink {
  pageSize: number;
  read(start: string | null, size: number): Promise<ChainPage>;
  ahead(start: string | null, size: number, budget: PrefetchBudget): Promise<ChainPage | undefined>;
}

/**
 * Providers whose pages form a chain (AWS NextToken, CSMS markers with the cache on): a position is
 * the continuation that starts the item's provider page and the item's offset in it, so every page
 * asked for is a whole provider page of the same size (cached, and the same for every client
 * walking it), and a walking client's next pages are read ahead along the chain.
 */
export class ChainPager implements SegmentPager {
  readonly backwardSupported = false;
  readonly countable = false;

  constructor(
    private readonly link: ChainLink,
    private readonly filter: RecordTest | null,
    private readonly prefetchPages: number,
  ) {}

  async forward(after: Position | null, want: number, readAhead: PrefetchBudget | null = null): Promise<Slice> {
    let { start, offset } = after === null ? { start: null, offset: -1 } : parseChainPosition(after);
    const found: Entry[] = [];
    for (;;) {
      const page = await this.link.read(start, this.link.pageSize);
      if (readAhead) this.prefetchFrom(page.next, readAhead);
      for (let i = offset + 1; i < page.items.length; i++) {
        const record = page.items[i];
        if (this.filter && !this.filter(record)) continue;
        if (found.length === want) return { entries: found, hasMore: true };
        // The last item of a page stands just before the next page: resuming there costs no call for this one.
        const last = i === page.items.length - 1 && page.next !== null;
        found.push({ record, position: last ? chainPosition(page.next, -1) : chainPosition(start, i) });
      }
      // A next page says more may follow (AWS may end with an empty page): no call just to find out.
      if (!page.next || found.length === want) return { entries: found, hasMore: page.next !== null };
      start = page.next;
      offset = -1;
      readAhead = null;
    }
  }

  /**
   * The chain from `start` on, page after page, up to the pages ahead allowed; stops quietly where
   * a page does not come. `first`: the segment's first page (null start) is part of the chain.
   */
  private prefetchFrom(start: string | null, budget: PrefetchBudget, first = false): void {
    if ((start === null && !first) || this.prefetchPages === 0) return;
    void (async () => {
      for (let n = 0, at: string | null = start; n < this.prefetchPages && (at !== null || (first && n === 0)); n++) {
        const page: ChainPage | undefined = await this.link.ahead(at, this.link.pageSize, budget);
        if (!page) return;
        at = page.next;
      }
    })();
  }

  prefetchStart(budget: PrefetchBudget): void {
    // A chain is walked one call after another: start it at once, before the client gets there.
    this.prefetchFrom(null, budget, true);
  }

  async backward(): Promise<Slice> {
    throw new Error('this pagination cannot walk backward');
  }

  async count(): Promise<number | null> {
    return null;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}

/**
 * `<offset>:<start>` (offset -1: before the page's first item); the first page has the empty start.
 * A bare marker (cursors of the marker pager, which names each item's own row) is `-1:<marker>`:
 * the rows after it. Signed inside our cursor like any position.
 */
export const CHAIN_POSITION = /^(-1|\d{1,4}):([\s\S]*)$/;

const chainPosition = (start: string | null, offset: number): string => `${offset}:${start ?? ''}`;

function parseChainPosition(position: Position): { start: string | null; offset: number } {
  if (typeof position !== 'string') throw new PositionError('position is not a chain position');
  const match = CHAIN_POSITION.exec(position);
  if (!match) return { start: position, offset: -1 };
  return { start: match[2] === '' ? null : match[2], offset: Number(match[1]) };
}
