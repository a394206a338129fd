import DataLoader from 'dataloader';
import type { SecretDetail, SecretRecord } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import { groupByNamespace, keyOf, type RequestMemo, sharedKey, unlessCached } from './memo.js';

export interface DetailLoaders {
  /** The detail fields of a record (one `describe` per batch of a namespace's keys); null where the source has none. */
  load(source: SecretSource, record: SecretRecord): Promise<SecretDetail | null>;
  /** Puts a detail a list already carried into the loader. */
  prime(source: SecretSource, record: SecretRecord, detail: SecretDetail): void;
}

export function createDetailLoaders(memo: RequestMemo, maxBatch = 100): DetailLoaders {
  const loaders = new Map<string, DataLoader<string, SecretDetail | null>>();

  function loaderOf(source: SecretSource): DataLoader<string, SecretDetail | null> {
    let loader = loaders.get(source.id);
    if (loader) return loader;
    loader = new DataLoader<string, SecretDetail | null>(
      async (keys) => {
        if (!source.describe) return keys.map(() => null);
        const found = new Map<string, SecretDetail | null | Error>();
        await Promise.all(
          [...groupByNamespace(keys)].map(async ([namespaceId, requested]) => {
            const wanted = await unlessCached(memo, source, 'detail', namespaceId, requested, found);
            if (wanted.length === 0) return;
            const results = await source.describe!(namespaceId, wanted, memo.scope).catch((error: Error) =>
              wanted.map(() => error),
            );
            wanted.forEach((key, i) => {
              found.set(keyOf(namespaceId, key), results[i]);
              if (!(results[i] instanceof Error))
                memo.keep(source, sharedKey(source, 'detail', namespaceId, key), results[i]);
            });
          }),
        );
        return keys.map((k) => found.get(k) ?? null);
      },
      { maxBatchSize: maxBatch },
    );
    loaders.set(source.id, loader);
    return loader;
  }

  return {
    load: (source, record) => loaderOf(source).load(keyOf(record.namespaceId, record.key)),
    prime: (source, record, detail) => void loaderOf(source).prime(keyOf(record.namespaceId, record.key), detail),
  };
}
