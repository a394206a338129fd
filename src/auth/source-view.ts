import type { SourceRegistry } from '../sources/registry.js';
import type { SecretSource } from '../sources/types.js';
import { allowsNamespace, allowsSource, type Grant } from './grant.js';

/**
 * The sources one request may see: the registry seen through the caller's grant. Resolvers use
 * this, never the registry, so an ungranted source is indistinguishable from an unknown one.
 */
export interface SourceView {
  /** Granted sources, in configuration order. */
  readonly list: readonly SecretSource[];
  get(id: string): SecretSource | undefined;
  /** Whether the namespace may be read; the loaders ask this before any upstream call. */
  allows(sourceId: string, namespaceId: string): boolean;
  /** The source's place in the configuration (the same for every caller): the first key of the default order. */
  position(sourceId: string): number;
}

export function sourceView(registry: SourceRegistry, grant: Grant): SourceView {
  const list = registry.sources.filter((source) => allowsSource(grant, source.id));
  const byId = new Map(list.map((source) => [source.id, source]));
  const positions = new Map(registry.sources.map((source, i) => [source.id, i]));
  return {
    position: (id) => positions.get(id) ?? -1,
    list,
    get: (id) => byId.get(id),
    allows: (sourceId, namespaceId) => byId.has(sourceId) && allowsNamespace(grant, sourceId, namespaceId),
  };
}
