/**
 * What every provider's adapter implements: the engine reaches a configured source only through
 * this. The records it answers with are the domain's (src/domain/records.ts).
 */
import type { PagingScheme } from '../pagination/paging/scheme.js';
import type {
  NamespaceRecord,
  Provider,
  PushedQuery,
  SecretDetail,
  SecretFilter,
  SecretRecord,
  SecretValue,
} from '../domain/records.js';
import type { RequestScope } from '../upstream/request-scope.js';

export interface Pushdown {
  query: PushedQuery;
  /** The provider applies the whole filter exactly: nothing is re-checked, and its counts hold. */
  complete: boolean;
}

/** How records are found by key (node lookups, federation references). */
export type Lookup =
  /** Look the key up in the namespace's full list (unpaged providers). */
  | { kind: 'via-list' }
  | {
      kind: 'batch';
      maxBatchSize: number;
      /** One result per key, same order; null for a key that does not exist. */
      fetch(namespaceId: string, keys: string[], scope?: RequestScope): Promise<Array<SecretRecord | null | Error>>;
    };

export interface SecretSource {
  readonly id: string;
  readonly provider: Provider;
  readonly region: string;
  /**
   * How it pages its ListSecrets: a scheme from src/pagination/paging/, given the adapter's list
   * call (which takes the request's scope last and hands it to `caller.call`).
   */
  readonly paging: PagingScheme;
  readonly lookup: Lookup;
  /** The lookup key is the secret's name (KMS, CSMS), so a name finds a record without a scan. */
  readonly keyIsName: boolean;
  /** Its records carry `relatedApps` (applications using them), and its namespaces list those apps. */
  readonly hasRelatedApps?: boolean;
  /**
   * The query a sync after the first reads the whole list with (the first reads it as walks do, to
   * share its pages with them). AWS: newest first, so that a secret created since the last sync is
   * on the first page of a long chain, not the last.
   */
  readonly syncQuery?: PushedQuery;
  /** Which filter fields this provider's records carry at all; a filter on any other field excludes the source without a call. */
  readonly filterableFields: ReadonlyArray<keyof SecretFilter>;
  listNamespaces(scope?: RequestScope): Promise<NamespaceRecord[]>;
  /** Provider-side parameters for the parts of the filter the API can apply; unless complete, the gateway re-checks the whole filter. */
  pushdown(filter: SecretFilter): Pushdown;
  /** Detail fields; one result per key, same order; null for a missing key. Absent when the list carries everything. */
  describe?(namespaceId: string, keys: string[], scope?: RequestScope): Promise<Array<SecretDetail | null | Error>>;
  /** Current values; one result per record, same order; null for a missing secret. Callers check the reveal scope first. */
  reveal(
    namespaceId: string,
    records: SecretRecord[],
    scope?: RequestScope,
  ): Promise<Array<SecretValue | null | Error>>;
}
