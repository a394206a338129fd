import type { GatewayContext } from '../context.js';
import type { SecretFilter, SecretOrder, SecretRecord } from '../domain/records.js';
import {
  countOf,
  type Entry,
  entryOf,
  isKeyset,
  type Keyset,
  keeperOf,
  pageOf,
  type Scope,
  type Selection,
  sortEntries,
  type SortedSet,
  summed,
} from '../inventory/query.js';
import type { SourceIndex } from '../inventory/source-index.js';
import type { ConnectionArgs, ConnectionPage, SegmentState } from '../pagination/connection.js';
import { cursorError, stableStringify } from '../pagination/cursor.js';
import type { PageRequest } from '../pagination/connection/args.js';
import { hasRecordFilter, namespaceCanMatch, recordTest, sourceCanMatch, textSearchOf } from '../pagination/filter.js';
import type { SecretSource } from '../sources/types.js';

/** The segment name of cursors of collected pages: no source/namespace key looks like it. */
export const COLLECTED_SEGMENT = '@inventory';

/** Where a collected page's secrets come from: the sources' indexes where fresh, else one live scan each. */
export interface Collection {
  set: SortedSet;
  selection: Selection;
  /** The oldest sync it used; null when every source was read live. */
  asOf: Date | null;
  states: SegmentState[];
  /**
   * With every source read from the inventory: the selection whole (filter, and the namespaces the
   * grant and filter keep), so that sums over it can be kept per sorted set (`summed`). Null otherwise.
   */
  selectionKey: string | null;
}

/**
 * Every secret in scope (the caller's grant, the filter, one namespace when given), each source from its
 * index while fresh (0 calls) or, when it has none or `live` is asked, from one scan of each of its
 * namespaces through the request's loaders. With every source indexed, the sorted set is the
 * inventory's own, built once per change; otherwise it is sorted for this request.
 */
export async function collect(
  ctx: GatewayContext,
  sources: readonly SecretSource[],
  filter: SecretFilter,
  orders: readonly SecretOrder[],
  options: { live: boolean; namespaceId?: string; continuing?: boolean },
): Promise<Collection> {
  const namespaces: Array<boolean[] | undefined> = [];
  const tests: Scope['tests'][number][] = [];
  const live: Entry[] = [];
  const livePositions = new Set<number>();
  const states: SegmentState[] = [];
  let asOf: Date | null = null;
  let allIndexed = true;
  const inventory = ctx.inventory;
  // The search is read from the set's search text; the tests check the rest of the filter.
  const search = textSearchOf(filter);
  const tested = search === null ? filter : { ...filter, search: null };
  for (const source of sources.filter((s) => sourceCanMatch(s, filter))) {
    const position = ctx.sources.position(source.id);
    let index: SourceIndex | null = null;
    if (!options.live && inventory) {
      index = inventory.fresh(source.id);
      // A walk begun on the index goes on on it, fresh or not, so that it loses and repeats nothing.
      if (!index && options.continuing && inventory.syncedAt(source.id)) index = inventory.indexOf(source.id);
    }
    const provider = ctx.catalog.get(source.provider);
    const facetsOf = (record: SecretRecord) => provider.facets(record);
    tests[position] = hasRecordFilter(tested) ? recordTest(tested, facetsOf) : null;
    const inScope = (namespaceId: string) =>
      ctx.sources.allows(source.id, namespaceId) &&
      namespaceCanMatch(namespaceId, filter) &&
      (options.namespaceId === undefined || namespaceId === options.namespaceId);
    if (index) {
      namespaces[position] = index.namespaces.map((ns) => inScope(ns.id));
      const syncedAt = inventory!.syncedAt(source.id)!;
      if (!asOf || syncedAt < asOf) asOf = syncedAt;
      states.push({ sourceId: source.id, provider: source.provider, namespaceId: null, status: 'OK', error: null });
      continue;
    }
    allIndexed = false;
    livePositions.add(position);
    // Through the loaders, which answer from a fresh index unless told to read the cloud.
    const read = { live: options.live };
    const listed = await ctx.loaders.namespaces(source, read);
    // A source synced before is placed as its index places it (a walk may read it live on one page
    // and from the index on the next); one never synced, in list order.
    const known = inventory?.syncedAt(source.id) ? inventory.indexOf(source.id) : null;
    const places = known ? known.namespacePlaces(listed) : listed.map((_, i) => i);
    const kept: boolean[] = (namespaces[position] = []);
    for (const [i, ns] of listed.entries()) kept[places[i]] = inScope(ns.id);
    for (const [i, ns] of listed.entries()) {
      const namespaceIndex = places[i];
      if (!kept[namespaceIndex]) continue;
      const records = await ctx.loaders.scan(source, ns.id, read);
      const seqs = known ? known.seqsOf(ns.id, records) : null;
      for (const [row, record] of records.entries()) {
        const place = { sourceIndex: position, namespaceIndex, seq: seqs ? seqs[row] : row };
        live.push(entryOf(record, place, facetsOf));
      }
    }
    states.push({ sourceId: source.id, provider: source.provider, namespaceId: null, status: 'OK', error: null });
  }
  const selection = { keep: keeperOf({ namespaces, tests }), search };
  if (allIndexed && inventory) {
    let selectionKey: string | undefined;
    return {
      set: inventory.sorted(orders),
      selection,
      asOf,
      states,
      // Only sums read it: a page without totalCount does not spell it out.
      get selectionKey() {
        if (selectionKey === undefined) {
          let inScope = '';
          for (let position = 0; position < namespaces.length; position++)
            inScope += `${namespaces[position]?.map((kept) => (kept ? 1 : 0)).join('') ?? '-'},`;
          selectionKey = `${stableStringify(filter)}|${inScope}`;
        }
        return selectionKey;
      },
    };
  }
  const indexed: Entry[] = [];
  if (inventory && asOf) {
    // Some sources live, some indexed: this request sorts them together.
    for (const entry of inventory.sorted([]).entries)
      if (namespaces[entry.sourceIndex] && !livePositions.has(entry.sourceIndex)) indexed.push(entry);
  }
  return { set: sortEntries([...indexed, ...live], orders), selection, asOf, states, selectionKey: null };
}

/** How many secrets the collection's selection takes; kept per sorted set when it is the inventory's own. */
export function countIn(collection: Collection): number {
  const count = () => countOf(collection.set, collection.selection);
  return collection.selectionKey === null ? count() : summed(collection.set, `count|${collection.selectionKey}`, count);
}

/** Whether a page of this connection should come from the collected set rather than a provider walk. */
export function collectedMode(
  ctx: GatewayContext,
  sources: readonly SecretSource[],
  filter: SecretFilter,
  orders: readonly SecretOrder[],
  args: ConnectionArgs & { live?: boolean | null },
  cursorSegment: string | null,
): boolean {
  if (cursorSegment !== null) return cursorSegment === COLLECTED_SEGMENT;
  // A global order needs every secret in scope at hand, from the index or from scans.
  if (orders.length > 0) return true;
  if (args.live || !ctx.inventory) return false;
  const inScope = sources.filter((s) => sourceCanMatch(s, filter));
  return inScope.length > 0 && inScope.every((s) => ctx.inventory!.fresh(s.id) !== null);
}

/** A Relay page of the collected set, with keyset cursors that hold under any order and filter. */
export async function collectedPage(
  ctx: GatewayContext,
  sources: readonly SecretSource[],
  filter: SecretFilter,
  orders: readonly SecretOrder[],
  args: ConnectionArgs & { live?: boolean | null },
  request: PageRequest,
  binding: string,
  namespaceId?: string,
): Promise<ConnectionPage & { asOf: Date | null }> {
  let key = null;
  if (request.cursor) {
    try {
      key = JSON.parse(String(request.cursor.p));
    } catch {
      key = null;
    }
    if (request.cursor.s !== COLLECTED_SEGMENT || !isKeyset(key, orders.length))
      throw cursorError('MALFORMED_CURSOR', request.cursorArg);
  }
  const collection = await collect(ctx, sources, filter, orders, {
    live: !!args.live,
    namespaceId,
    continuing: request.cursor !== null,
  });
  const page = pageOf(collection.set, collection.selection, {
    forward: !request.backward,
    count: request.want,
    after: request.backward ? null : key,
    before: request.backward ? key : null,
  });
  const cursorAt = ctx.cursors.encoderFor(binding, COLLECTED_SEGMENT);
  const edges = page.entries.map((entry, i) => new CollectedEdge(entry.record, page.keysets[i], cursorAt));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
    totalCount: async () => countIn(collection),
    states: collection.states,
    interruption: null,
    asOf: collection.asOf,
  };
}

/** An edge of a collected page. Its cursor is signed when asked for: most pages are read for their nodes and endCursor. */
class CollectedEdge {
  private signed: string | undefined;

  constructor(
    readonly node: SecretRecord,
    private readonly keyset: Keyset,
    private readonly encode: (position: string) => string,
  ) {}

  get cursor(): string {
    this.signed ??= this.encode(JSON.stringify(this.keyset));
    return this.signed;
  }
}
