import type { PushedQuery, SecretRecord } from '../../domain/records.js';
import type { RequestScope } from '../../upstream/request-scope.js';
import type { RecordTest } from '../filter.js';
import {
  indexPosition,
  type Position,
  PositionError,
  type PrefetchBudget,
  type SegmentPager,
  type Slice,
} from '../segment.js';
import type { ListCall, PagingScheme, SegmentLists } from './scheme.js';

export interface UnpagedOptions {
  fetchAll(namespaceId: string, query: PushedQuery, scope?: RequestScope): Promise<SecretRecord[]>;
}

/** The scheme, and the list call it makes (for tests, and for the adapter's own use). */
export interface UnpagedPaging extends PagingScheme {
  call(lists: SegmentLists): ListCall<SecretRecord[]>;
}

/** One call lists a whole namespace (SAE): read once per request and sliced; positions are rows anchored on keys. */
export function unpagedPaging(options: UnpagedOptions): UnpagedPaging {
  const call = (lists: SegmentLists): ListCall<SecretRecord[]> => ({
    key: `all:${lists.key}`,
    call: (scope) => options.fetchAll(lists.namespaceId, lists.query, scope),
    empty: [],
  });
  return {
    call,
    pager: (lists, filter, pagerOptions = {}) =>
      new UnpagedPager(
        lists,
        call(lists),
        filter,
        (pagerOptions.readAhead ?? false) && lists.ahead !== undefined,
        pagerOptions.compatibleCursors ?? false,
      ),
    // The list is read whole: counting it is slicing it.
    countable: () => true,
    scan: (lists) => lists.read(call(lists)),
  };
}

/**
 * Positions are `<row>:<key>`: the secret's row in the whole list (filtered or not) and its key. A walk
 * resumes after the key's row in the list as it is now, so a secret that stops or starts matching the
 * filter, or one deleted or created elsewhere in the list, moves no other; when the key itself is gone,
 * after the row it had. Cursors of earlier releases carry a bare row of the filtered list, and still mean that;
 * with `compatibleCursors` (a rolling upgrade) this pager writes such rows too, for those releases to read.
 */
class UnpagedPager implements SegmentPager {
  readonly backwardSupported = true;
  readonly countable = true;
  private list: SecretRecord[] | null = null;
  private rows: Map<string, number> | null = null;

  constructor(
    private readonly lists: SegmentLists,
    private readonly call: ListCall<SecretRecord[]>,
    private readonly filter: RecordTest | null,
    private readonly prefetch: boolean,
    /** Bare rows of the filtered list, as earlier releases wrote (and read): for a rolling upgrade. */
    private readonly bareRows: boolean,
  ) {}

  prefetchStart(budget: PrefetchBudget): void {
    if (this.prefetch) void this.lists.ahead!(this.call, budget);
  }

  private async items(): Promise<SecretRecord[]> {
    this.list ??= await this.lists.read(this.call);
    return this.list;
  }

  /** The row in `list` a position stands at (for a bare row: of the filtered list), and whether its secret is still there. */
  private rowOf(list: SecretRecord[], position: Position): { row: number; present: boolean } {
    if (typeof position === 'number') {
      const row = indexPosition(position)!;
      if (!this.filter) return { row, present: row < list.length };
      // Row `row` of the filtered list, in the whole one.
      for (let i = 0, seen = 0; i < list.length; i++)
        if (this.filter(list[i]) && seen++ === row) return { row: i, present: true };
      return { row: list.length, present: false };
    }
    const { row, key } = rowAndKey(position);
    // Where it was, unless the list moved: no map of the list for a walk over an unchanged one.
    if (list[row]?.key === key) return { row, present: true };
    if (!this.rows) {
      this.rows = new Map();
      for (const [i, record] of list.entries()) if (!this.rows.has(record.key)) this.rows.set(record.key, i);
    }
    const at = this.rows.get(key);
    return at === undefined ? { row: Math.min(row, list.length), present: false } : { row: at, present: true };
  }

  /** Up to `want` matching rows from `from` on (forward) or before `to` (backward), and whether more match beyond. */
  private take(list: SecretRecord[], from: number, to: number, want: number, forward: boolean): Slice {
    const entries: Slice['entries'] = [];
    const step = forward ? 1 : -1;
    let i = forward ? from : to - 1;
    // With bare rows: the row in the filtered list of the next record that matches.
    let matched = this.bareRows ? this.matchingBefore(list, forward ? from : to) - (forward ? 0 : 1) : 0;
    for (; forward ? i < list.length : i >= 0; i += step) {
      const record = list[i];
      if (this.filter && !this.filter(record)) continue;
      if (entries.length === want) break;
      entries.push({ record, position: this.bareRows ? matched : `${i}:${record.key}` });
      matched += step;
    }
    const hasMore = forward ? i < list.length : i >= 0;
    if (!forward) entries.reverse();
    return { entries, hasMore };
  }

  /** How many rows before `end` match the filter. */
  private matchingBefore(list: SecretRecord[], end: number): number {
    if (!this.filter) return end;
    let n = 0;
    for (let i = 0; i < end; i++) if (this.filter(list[i])) n++;
    return n;
  }

  async forward(after: Position | null, want: number): Promise<Slice> {
    if (after !== null) indexPositionOrKey(after);
    const list = await this.items();
    if (after === null) return this.take(list, 0, list.length, want, true);
    const { row, present } = this.rowOf(list, after);
    return this.take(list, present ? row + 1 : row, list.length, want, true);
  }

  async backward(before: Position | null, want: number): Promise<Slice> {
    if (before !== null) indexPositionOrKey(before);
    const list = await this.items();
    const end = before === null ? list.length : this.rowOf(list, before).row;
    return this.take(list, 0, end, want, false);
  }

  async count(): Promise<number | null> {
    const list = await this.items();
    return this.filter ? list.filter(this.filter).length : list.length;
  }

  totalHint(): null {
    return null;
  }

  useHint(): void {}
}

/** A position this scheme can mean, checked before any call: a bare row, or `<row>:<key>`. */
function indexPositionOrKey(position: Position): void {
  if (typeof position === 'number') indexPosition(position);
  else rowAndKey(position);
}

/** `<row>:<key>`: a row of the whole list (digits) and a key that is not empty. */
function rowAndKey(position: string): { row: number; key: string } {
  const colon = position.indexOf(':');
  const row = colon > 0 && /^\d+$/.test(position.slice(0, colon)) ? Number(position.slice(0, colon)) : Number.NaN;
  if (!Number.isSafeInteger(row) || colon === position.length - 1)
    throw new PositionError('position is not a row and key');
  return { row, key: position.slice(colon + 1) };
}
