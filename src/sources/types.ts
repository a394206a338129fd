/**
 * The gateway's own domain model. Adapters translate provider responses into these types;
 * nothing outside src/sources ever sees an SDK response shape.
 */
import type { PagingScheme } from '../pagination/paging/scheme.js';
import type { ProviderModules } from '../providers/index.js';
import type { RequestScope } from '../upstream/request-scope.js';

/** A provider's id, as sources are configured with it (`alibaba-sae`). */
export type Provider = ProviderModules['id'];

export type NamespaceKind = 'SAE_NAMESPACE' | 'REGION' | 'PROJECT';

export interface NamespaceRecord {
  sourceId: string;
  provider: Provider;
  id: string;
  name: string;
  kind: NamespaceKind;
  region: string;
  description: string | null;
}

/** The one namespace of a source scoped to a single region or project (APIG, KMS, CSMS, AWS): listing it needs no call. */
export function soleNamespace(
  sourceId: string,
  provider: Provider,
  kind: NamespaceKind,
  id: string,
  region: string,
): NamespaceRecord[] {
  return [{ sourceId, provider, id, name: id, kind, region, description: null }];
}

export interface Tag {
  key: string;
  value: string;
}

export interface RelatedAppRecord {
  appId: string;
  appName: string;
}

/** Identifies one secret inside a source: what a detail call takes. */
export interface SecretRef {
  sourceId: string;
  namespaceId: string;
  /** SAE: SecretId; APIG: secretId; KMS: SecretName; CSMS: name. */
  key: string;
}

export interface SecretBase extends SecretRef {
  name: string;
  type: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

/** Derived from the provider modules (src/providers/index.ts): a record of any configured kind. */
type TypesOf<M> = M extends { types?: infer T } ? NonNullable<T> : never;
export type SecretRecord =
  TypesOf<ProviderModules> extends infer T ? (T extends { record: infer R } ? R : never) : never;
export type SecretDetail =
  TypesOf<ProviderModules> extends infer T ? (T extends { detail: infer D } ? D : never) : never;
/**
 * A secret's value, as its provider returns it. Only the reveal path (reveal scope, audit line)
 * ever holds one; it lives as long as the request that asked for it and is never logged.
 */
export type SecretValue = TypesOf<ProviderModules> extends infer T ? (T extends { value: infer V } ? V : never) : never;

/** The user's filter, as the schema accepts it. Every field narrows (AND); list values OR. */
export interface SecretFilter {
  nameContains?: string | null;
  names?: string[] | null;
  types?: string[] | null;
  providers?: Provider[] | null;
  sources?: string[] | null;
  namespaces?: string[] | null;
  /** CSMS state or APIG status. */
  states?: string[] | null;
  gatewayType?: string | null;
  tags?: Array<{ key: string; value?: string | null }> | null;
}

/** Provider-side query parameters an adapter derived from a filter. JSON-serialisable. */
export type PushedQuery = Record<string, string | number | boolean | string[] | undefined>;

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
