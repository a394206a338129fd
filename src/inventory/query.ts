import type { RecordFacets, SecretOrder, SecretRecord } from '../domain/records.js';
import { type RecordTest, searchTextOf } from '../pagination/filter.js';

/** One secret in a collected set: its record and where it stands in the default order. */
export interface Entry {
  record: SecretRecord;
  /** Configuration order of its source. */
  sourceIndex: number;
  /** Its namespace's place in the source's namespace list. */
  namespaceIndex: number;
  /** Its place inside the namespace (the index's order; a live scan's row). */
  seq: number;
  /** What `search` looks in (`searchTextOf`), built once when the entry is. */
  searchText: string;
  /** CSMS state or APIG status (`secretCounts.byState`); null for providers with none. */
  state: string | null;
}

/** An entry for a record at a place in the default order; `facets` are its provider's reading of it. */
export function entryOf(
  record: SecretRecord,
  place: { sourceIndex: number; namespaceIndex: number; seq: number },
  facets: RecordFacets,
): Entry {
  return { record, ...place, searchText: searchTextOf(record, facets), state: facets.state ?? null };
}

type SortValue = string | number | null;

/** A position in an ordered set: the order's values, then the default order, which no two entries share. */
export type Keyset = [SortValue[], number, number, number];

function sortValueOf(entry: Entry, order: SecretOrder): SortValue {
  const r = entry.record;
  switch (order.field) {
    case 'NAME':
      return r.name.toLowerCase();
    case 'CREATED_AT':
      return r.createdAt ? r.createdAt.getTime() : null;
    case 'UPDATED_AT':
      return r.updatedAt ? r.updatedAt.getTime() : null;
    case 'PROVIDER':
      return r.provider;
    case 'SOURCE':
      return r.sourceId;
  }
}

export function keysetOf(entry: Entry, orders: readonly SecretOrder[]): Keyset {
  return [orders.map((order) => sortValueOf(entry, order)), entry.sourceIndex, entry.namespaceIndex, entry.seq];
}

/** Each order's direction applies to its value; missing values come last either way; ties go by the default order. */
export function compareKeysets(a: Keyset, b: Keyset, descending: readonly boolean[]): number {
  for (let i = 0; i < descending.length; i++) {
    const [x, y] = [a[0][i], b[0][i]];
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    const c = x < y ? -1 : 1;
    return descending[i] ? -c : c;
  }
  return a[1] - b[1] || a[2] - b[2] || a[3] - b[3];
}

export function isKeyset(value: unknown, width: number): value is Keyset {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    Array.isArray(value[0]) &&
    value[0].length === width &&
    value[0].every((v: unknown) => v === null || typeof v === 'string' || typeof v === 'number') &&
    value.slice(1).every((n) => Number.isSafeInteger(n))
  );
}

/**
 * A set sorted by an order, for binary search from a cursor. Keysets are not kept: a seek computes the
 * few it compares (log n), a page those of its edges, so a sorted order costs one array of entries.
 */
export interface SortedSet {
  entries: Entry[];
  orders: readonly SecretOrder[];
  descending: boolean[];
}

export function sortEntries(entries: readonly Entry[], orders: readonly SecretOrder[]): SortedSet {
  const descending = orders.map((order) => order.direction === 'DESC');
  const keyed = entries.map((entry) => ({ entry, keyset: keysetOf(entry, orders) }));
  keyed.sort((a, b) => compareKeysets(a.keyset, b.keyset, descending));
  return { entries: keyed.map((k) => k.entry), orders, descending };
}

/** The first index whose keyset is after `key` (`strict`) or at or after it. */
function seek(set: SortedSet, key: Keyset, strict: boolean): number {
  let lo = 0;
  let hi = set.entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareKeysets(keysetOf(set.entries[mid], set.orders), key, set.descending);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SetPage {
  entries: Entry[];
  keysets: Keyset[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/**
 * A Relay page of a sorted set: `first` after a keyset, or `last` before one, keeping only entries
 * that `keep` accepts (scope, grant and filter). Keysets survive changes to the set between pages:
 * nothing that stays in it is lost or repeated.
 */
export function pageOf(
  set: SortedSet,
  keep: (entry: Entry) => boolean,
  request: { forward: boolean; count: number; after: Keyset | null; before: Keyset | null },
): SetPage {
  const found: number[] = [];
  let more = false;
  if (request.forward) {
    const start = request.after ? seek(set, request.after, true) : 0;
    for (let i = start; i < set.entries.length; i++) {
      if (!keep(set.entries[i])) continue;
      if (found.length === request.count) {
        more = true;
        break;
      }
      found.push(i);
    }
  } else {
    const end = request.before ? seek(set, request.before, false) : set.entries.length;
    for (let i = end - 1; i >= 0; i--) {
      if (!keep(set.entries[i])) continue;
      if (found.length === request.count) {
        more = true;
        break;
      }
      found.push(i);
    }
    found.reverse();
  }
  return {
    entries: found.map((i) => set.entries[i]),
    keysets: found.map((i) => keysetOf(set.entries[i], set.orders)),
    hasNextPage: request.forward ? more : request.before !== null,
    hasPreviousPage: request.forward ? request.after !== null : more,
  };
}

/** A set's entries that a test keeps, counted. */
export function countOf(entries: readonly Entry[], keep: (entry: Entry) => boolean): number {
  let n = 0;
  for (const entry of entries) if (keep(entry)) n++;
  return n;
}

/**
 * Per source (by index): whether its namespace (by index) is in scope, and the test its records must
 * pass; `search`, lower-cased, when the filter's search is read from each entry's `searchText` rather
 * than left to the tests (one `includes` per entry, not a look at every field).
 */
export interface Scope {
  namespaces: ReadonlyArray<ReadonlyArray<boolean> | undefined>;
  tests: ReadonlyArray<RecordTest | null | undefined>;
  search: string | null;
}

export function keeperOf(scope: Scope): (entry: Entry) => boolean {
  const { search } = scope;
  return (entry) => {
    if (!scope.namespaces[entry.sourceIndex]?.[entry.namespaceIndex]) return false;
    if (search !== null && !entry.searchText.includes(search)) return false;
    const test = scope.tests[entry.sourceIndex];
    return !test || test(entry.record);
  };
}
