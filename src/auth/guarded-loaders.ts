import type { Loaders, ReadOptions } from '../loaders/index.js';
import type { ValueLoader } from '../loaders/values.js';
import type { SecretRecord } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import type { SourceView } from './source-view.js';

/**
 * The request's loaders behind its grant: every upstream read names a source and namespace, and
 * one outside the grant, or one the source does not have, answers like an empty or unknown one,
 * without a call to it. Whatever path a resolver takes (connections, lookups by id, federation
 * references, related apps), it reads through here.
 */
export function guardLoaders(inner: Loaders, view: SourceView): Loaders {
  /** Granted, and one of the source's namespaces (SAE: one discovery call per request, shared). */
  const readable = async (source: SecretSource, namespaceId: string, read?: ReadOptions) =>
    view.allows(source.id, namespaceId) && (await inner.namespaces(source, read)).some((ns) => ns.id === namespaceId);
  // Listed one by one (no spread): a loader added later must decide here how the grant applies.
  return {
    namespaces: async (source, read) =>
      view.get(source.id) ? (await inner.namespaces(source, read)).filter((ns) => view.allows(source.id, ns.id)) : [],
    fetchers: (source, namespaceId, query, read) => {
      const lists = inner.fetchers(source, namespaceId, query, read);
      // Outside the grant every list is empty, and nothing is read ahead; a namespace the source does not have lists nothing either.
      if (!view.allows(source.id, namespaceId)) return { ...lists, read: async (call) => call.empty, ahead: undefined };
      return {
        ...lists,
        read: async (call) => ((await readable(source, namespaceId, read)) ? lists.read(call) : call.empty),
        // Read-ahead fills the shared cache and hands nothing to the client (its reads come through the guard above); within the grant only.
        ahead:
          lists.ahead &&
          (async (call, budget) =>
            (await readable(source, namespaceId, read)) ? lists.ahead!(call, budget) : undefined),
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
    scan: async (source, namespaceId, read) =>
      (await readable(source, namespaceId, read))
        ? (await inner.scan(source, namespaceId, read)).filter((record) => within(record, source, namespaceId))
        : [],
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
