import DataLoader from 'dataloader';
import type { SegmentLists } from '../pagination/paging/scheme.js';
import type { PushedQuery, SecretRecord } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import { groupByNamespace, keyOf, type RequestMemo, sharedKey, totalKey, unlessCached } from './memo.js';
import { chunk } from '../sources/chunk.js';

type BatchLookup = Extract<SecretSource['lookup'], { kind: 'batch' }>;

export interface RecordLoaders {
  /** A record by key, batched per source; null for a key that does not exist. */
  load(source: SecretSource, namespaceId: string, key: string): Promise<SecretRecord | null>;
  /** Puts a record a list returned into the loader, so that looking it up costs nothing. */
  prime(source: SecretSource, record: SecretRecord): void;
  /** Every record of a namespace, in the fewest list calls, once per request. */
  scan(source: SecretSource, namespaceId: string): Promise<SecretRecord[]>;
}

export function createRecordLoaders(
  memo: RequestMemo,
  lists: (source: SecretSource, namespaceId: string, query: PushedQuery) => SegmentLists,
): RecordLoaders {
  const loaders = new Map<string, DataLoader<string, SecretRecord | null>>();

  const scan = (source: SecretSource, namespaceId: string): Promise<SecretRecord[]> =>
    memo.once(`scan:${source.id}:${namespaceId}`, () => source.paging.scan(lists(source, namespaceId, {})));

  /**
   * Keys of one namespace through the provider's batch lookup, unless reading the whole list takes
   * fewer calls. The namespace's size decides, where the paging can tell it; when it is unknown and
   * the batches would take more than four calls, the scan's first page is read to learn it (and
   * serves its keys).
   */
  async function lookupBatch(source: SecretSource, lookup: BatchLookup, namespaceId: string, keys: string[]) {
    const found = new Map<string, SecretRecord | null | Error>();
    let missing = keys;
    const sizing = source.paging.sizing;
    const batchCalls = (n: number) => Math.ceil(n / lookup.maxBatchSize);
    if (sizing) {
      let total = memo.totals.get(totalKey(source, namespaceId));
      let scanCalls = total === undefined ? Infinity : sizing.calls(total);
      if (total === undefined && batchCalls(keys.length) > 4) {
        const first = await sizing.first(lists(source, namespaceId, {}));
        const inFirst = new Map(first.items.map((r) => [r.key, r]));
        missing = keys.filter((k) => !inFirst.has(k));
        for (const k of keys) if (inFirst.has(k)) found.set(k, inFirst.get(k)!);
        total = first.total;
        scanCalls = sizing.calls(total) - 1;
      }
      if (missing.length > 0 && scanCalls < batchCalls(missing.length)) {
        const byKey = new Map((await scan(source, namespaceId)).map((r) => [r.key, r]));
        for (const k of missing) found.set(k, byKey.get(k) ?? null);
        return found;
      }
    }
    await Promise.all(
      chunk(missing, lookup.maxBatchSize).map(async (batch) => {
        const results: Array<SecretRecord | null | Error> = await lookup
          .fetch(namespaceId, batch, memo.scope)
          .catch((error: Error) => batch.map(() => error));
        // Providers looked up by key alone (KMS names, APIG ids) answer for any namespace: hold them to the one asked.
        batch.forEach((key, i) => {
          const result = results[i];
          found.set(
            key,
            result instanceof Error || result === null || result.namespaceId === namespaceId ? result : null,
          );
        });
        memo.listed(
          source,
          results.filter(
            (r): r is SecretRecord => r !== null && !(r instanceof Error) && r.namespaceId === namespaceId,
          ),
        );
      }),
    );
    return found;
  }

  function loaderOf(source: SecretSource): DataLoader<string, SecretRecord | null> {
    let loader = loaders.get(source.id);
    if (loader) return loader;
    const lookup = source.lookup;
    loader = new DataLoader<string, SecretRecord | null>(async (keys) => {
      const found = new Map<string, SecretRecord | null | Error>();
      await Promise.all(
        [...groupByNamespace(keys)].map(async ([namespaceId, requested]) => {
          try {
            const wanted = await unlessCached(memo, source, 'record', namespaceId, requested, found);
            if (wanted.length === 0) return;
            if (lookup.kind === 'via-list') {
              const byKey = new Map((await scan(source, namespaceId)).map((r) => [r.key, r]));
              for (const key of wanted) found.set(keyOf(namespaceId, key), byKey.get(key) ?? null);
              return;
            }
            for (const [key, record] of await lookupBatch(source, lookup, namespaceId, wanted)) {
              found.set(keyOf(namespaceId, key), record);
              if (!(record instanceof Error)) memo.keep(source, sharedKey(source, 'record', namespaceId, key), record);
            }
          } catch (error) {
            // A namespace that failed fails only its own keys.
            for (const key of requested)
              if (!found.has(keyOf(namespaceId, key))) found.set(keyOf(namespaceId, key), error as Error);
          }
        }),
      );
      return keys.map((k) => found.get(k) ?? null);
    });
    loaders.set(source.id, loader);
    return loader;
  }

  return {
    load: (source, namespaceId, key) => loaderOf(source).load(keyOf(namespaceId, key)),
    prime: (source, record) => void loaderOf(source).prime(keyOf(record.namespaceId, record.key), record),
    scan,
  };
}
