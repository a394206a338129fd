import DataLoader from 'dataloader';
import type { SecretRecord, SecretSource, SecretValue } from '../sources/types.js';
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
        // Every provider reads one value per call: one failure fails that secret's field only.
        (records) =>
          Promise.all(
            records.map((record) =>
              source.reveal(record.namespaceId, [record], scope).then(
                (values) => values[0] ?? null,
                (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
              ),
            ),
          ),
        { cacheKeyFn: (record) => JSON.stringify([record.namespaceId, record.key]), maxBatchSize: 100 },
      );
      loaders.set(source.id, loader);
    }
    return loader;
  };
  return { load: (source, record) => loaderOf(source).load(record) };
}
