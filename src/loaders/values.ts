import DataLoader from 'dataloader';
import type { SecretRecord, SecretValue } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import type { RequestScope } from '../upstream/request-scope.js';

/**
 * Secret values for one request. Kept apart from the metadata loaders on purpose: nothing primes
 * it and it primes nothing, it never touches the cross-request cache, and it dies with the
 * request. The same secret asked twice in one request is fetched (and audited) once.
 */
export interface ValueLoader {
  load(source: SecretSource, record: SecretRecord): Promise<SecretValue | null>;
}

export function createValueLoader(scope?: RequestScope): ValueLoader {
  const loaders = new Map<string, DataLoader<SecretRecord, SecretValue | null, string>>();
  const loaderOf = (source: SecretSource) => {
    let loader = loaders.get(source.id);
    if (!loader) {
      loader = new DataLoader<SecretRecord, SecretValue | null, string>(
        // One reveal per namespace with all its secrets: the adapter reads them one per call or in
        // batches (AWS BatchGetSecretValue); a secret that fails fails its own field only.
        async (records) => {
          const byNamespace = new Map<string, number[]>();
          for (const [i, record] of records.entries())
            byNamespace.set(record.namespaceId, [...(byNamespace.get(record.namespaceId) ?? []), i]);
          const results: Array<SecretValue | null | Error> = new Array(records.length).fill(null);
          await Promise.all(
            [...byNamespace].map(async ([namespaceId, indexes]) => {
              const found = await source
                .reveal(
                  namespaceId,
                  indexes.map((i) => records[i]),
                  scope,
                )
                .catch((error: unknown) =>
                  indexes.map(() => (error instanceof Error ? error : new Error(String(error)))),
                );
              for (const [j, index] of indexes.entries()) results[index] = found[j] ?? null;
            }),
          );
          return results;
        },
        { cacheKeyFn: (record) => JSON.stringify([record.namespaceId, record.key]), maxBatchSize: 100 },
      );
      loaders.set(source.id, loader);
    }
    return loader;
  };
  return { load: (source, record) => loaderOf(source).load(record) };
}
