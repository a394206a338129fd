import type { Loaders } from '../loaders/index.js';
import type { ValueLoader } from '../loaders/values.js';
import type { SegmentFetchers } from '../pagination/segment.js';
import type { SecretRecord, SecretSource } from '../sources/types.js';
import type { SourceView } from './source-view.js';

const EMPTY: SegmentFetchers = {
  page: async () => ({ items: [], totalCount: 0 }),
  marker: async () => ({ items: [], nextMarker: null }),
  token: async () => ({ items: [], nextToken: null }),
  all: async () => [],
};

/**
 * The request's loaders behind its grant: every upstream read names a source and namespace, and
 * one outside the grant, or one the source does not have, answers like an empty or unknown one,
 * without a call to it. Whatever path a resolver takes (connections, lookups by id, federation
 * references, related apps), it reads through here.
 */
export function guardLoaders(inner: Loaders, view: SourceView): Loaders {
  /** Granted, and one of the source's namespaces (SAE: one discovery call per request, shared). */
  const readable = async (source: SecretSource, namespaceId: string) =>
    view.allows(source.id, namespaceId) && (await inner.namespaces(source)).some((ns) => ns.id === namespaceId);
  // Listed one by one (no spread): a loader added later must decide here how the grant applies.
  return {
    namespaces: async (source) =>
      view.get(source.id) ? (await inner.namespaces(source)).filter((ns) => view.allows(source.id, ns.id)) : [],
    fetchers: (source, namespaceId, query) => {
      if (!view.allows(source.id, namespaceId)) return EMPTY;
      const fetch = inner.fetchers(source, namespaceId, query);
      return {
        page: async (pageNumber, pageSize) =>
          (await readable(source, namespaceId)) ? fetch.page(pageNumber, pageSize) : EMPTY.page(pageNumber, pageSize),
        marker: async (marker, limit) =>
          (await readable(source, namespaceId)) ? fetch.marker(marker, limit) : EMPTY.marker(marker, limit),
        token: async (token, pageSize) =>
          (await readable(source, namespaceId)) ? fetch.token(token, pageSize) : EMPTY.token(token, pageSize),
        all: async () => ((await readable(source, namespaceId)) ? fetch.all() : EMPTY.all()),
        // Read-ahead fills the shared cache and hands nothing to the client (its reads come through the guards above); within the grant only.
        ahead: fetch.ahead && {
          page: async (pageNumber, pageSize, budget) =>
            (await readable(source, namespaceId)) ? fetch.ahead!.page(pageNumber, pageSize, budget) : undefined,
          marker: async (marker, limit, budget) =>
            (await readable(source, namespaceId)) ? fetch.ahead!.marker(marker, limit, budget) : undefined,
          token: async (token, pageSize, budget) =>
            (await readable(source, namespaceId)) ? fetch.ahead!.token(token, pageSize, budget) : undefined,
          all: async (budget) => ((await readable(source, namespaceId)) ? fetch.ahead!.all(budget) : undefined),
        },
      };
    },
    record: async (source, namespaceId, key) =>
      (await readable(source, namespaceId))
        ? within(await inner.record(source, namespaceId, key), source, namespaceId)
        : null,
    recordByName: async (source, namespaceId, name) =>
      (await readable(source, namespaceId))
        ? within(await inner.recordByName(source, namespaceId, name), source, namespaceId)
        : null,
    detail: async (source, record) =>
      view.allows(source.id, record.namespaceId) ? inner.detail(source, record) : null,
  };
}

/**
 * A lookup answers only with a record of the namespace it was asked for. Providers with one
 * namespace per source look keys up source-wide; without this, an ID naming a namespace the caller
 * may see could return a record of one it may not (or of one that does not exist).
 */
function within(record: SecretRecord | null, source: SecretSource, namespaceId: string): SecretRecord | null {
  return record && record.sourceId === source.id && record.namespaceId === namespaceId ? record : null;
}

export function guardValues(inner: ValueLoader, view: SourceView): ValueLoader {
  return {
    load: async (source, record) => (view.allows(source.id, record.namespaceId) ? inner.load(source, record) : null),
  };
}
