import type { SegmentLists } from '../pagination/paging/scheme.js';
import type { NamespaceRecord, PushedQuery, SecretDetail, SecretRecord } from '../domain/records.js';
import type { SecretSource } from '../sources/types.js';
import { createDetailLoaders } from './details.js';
import { segmentLists } from './lists.js';
import { createMemo, type LoaderOptions } from './memo.js';
import { createRecordLoaders } from './records.js';

/**
 * Per-request loaders: every upstream read of a request goes through here, so identical calls
 * are made once, lookups by key are batched, and what a list returned is never fetched again.
 */
/** `live`: read the cloud even where a fresh index could answer (`secrets(live: true)`). */
export interface ReadOptions {
  live?: boolean;
}

export interface Loaders {
  namespaces(source: SecretSource, options?: ReadOptions): Promise<NamespaceRecord[]>;
  /** A segment's list calls, for its paging scheme to make. */
  /** `read`: whether the namespace is checked against the index or live (its pages are always read live). */
  fetchers(source: SecretSource, namespaceId: string, query: PushedQuery, read?: ReadOptions): SegmentLists;
  record(source: SecretSource, namespaceId: string, key: string): Promise<SecretRecord | null>;
  /** By name (federation's natural key): a key lookup where names are keys, else one scan of the namespace. */
  recordByName(source: SecretSource, namespaceId: string, name: string): Promise<SecretRecord | null>;
  /** Every secret of a namespace (related apps): its index, else one scan, once per request. */
  scan(source: SecretSource, namespaceId: string, options?: ReadOptions): Promise<SecretRecord[]>;
  detail(source: SecretSource, record: SecretRecord): Promise<SecretDetail | null>;
}

/** The one entry point: the request's memo (memo.ts), list calls (lists.ts), lookups by key (records.ts) and details (details.ts). */
export function createLoaders(options: LoaderOptions = {}): Loaders {
  const memo = createMemo(options);
  const fetchers = (source: SecretSource, namespaceId: string, query: PushedQuery) =>
    segmentLists(memo, source, namespaceId, query);
  const records = createRecordLoaders(memo, fetchers);
  const details = createDetailLoaders(memo, options.maxDetailBatch);
  // What lists returned goes into the loaders only when a lookup comes (see RequestMemo.listed).
  const primeListed = () =>
    memo.drainListed((source, record) => {
      records.prime(source, record);
      if (record.detail) details.prime(source, record, record.detail);
    });

  const indexOf = (source: SecretSource, read?: ReadOptions) =>
    read?.live ? null : (options.indexOf?.(source) ?? null);
  const namespaces = (source: SecretSource, read?: ReadOptions) => {
    const index = indexOf(source, read);
    if (index) return Promise.resolve(index.namespaces);
    return memo.once(`namespaces:${source.id}`, () =>
      memo.shared(source, `namespaces:${source.id}`, () => source.listNamespaces(memo.scope)),
    );
  };
  const hasNamespace = async (source: SecretSource, namespaceId: string) =>
    (await namespaces(source)).some((ns) => ns.id === namespaceId);
  const loadRecord = (source: SecretSource, namespaceId: string, key: string) => {
    const index = indexOf(source);
    if (index) return Promise.resolve(index.get(namespaceId, key));
    primeListed();
    return records.load(source, namespaceId, key);
  };

  return {
    namespaces,
    fetchers,
    // A namespace the source does not have holds nothing: no call is made for it.
    record: async (source, namespaceId, key) =>
      (await hasNamespace(source, namespaceId)) ? loadRecord(source, namespaceId, key) : null,
    recordByName: async (source, namespaceId, name) => {
      if (!(await hasNamespace(source, namespaceId))) return null;
      const index = indexOf(source);
      if (index) return index.byName(namespaceId, name);
      return source.keyIsName
        ? loadRecord(source, namespaceId, name)
        : ((await records.scan(source, namespaceId)).find((r) => r.name === name) ?? null);
    },
    scan: (source, namespaceId, read) => {
      const index = indexOf(source, read);
      return index ? Promise.resolve(index.records(namespaceId)) : records.scan(source, namespaceId);
    },
    detail: (source, record) => {
      if (record.detail) return Promise.resolve(record.detail);
      primeListed();
      return details.load(source, record);
    },
  };
}
