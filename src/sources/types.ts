/**
 * The gateway's own domain model. Adapters translate provider responses into these types;
 * nothing outside src/sources ever sees an SDK response shape.
 */
import type { RequestScope } from '../upstream/request-scope.js';

export const PROVIDERS = ['alibaba-sae', 'alibaba-apig', 'alibaba-kms', 'huawei-csms'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** Each provider as the schema spells it (the `Provider` enum): what clients, routers and error extensions see. */
export const PROVIDER_NAMES = {
  'alibaba-sae': 'ALIBABA_SAE',
  'alibaba-apig': 'ALIBABA_APIG',
  'alibaba-kms': 'ALIBABA_KMS',
  'huawei-csms': 'HUAWEI_CSMS',
} as const satisfies Record<Provider, string>;
export type ProviderName = (typeof PROVIDER_NAMES)[Provider];

export function providerOfName(name: unknown): Provider | null {
  return PROVIDERS.find((provider) => PROVIDER_NAMES[provider] === name) ?? null;
}

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

interface SecretBase extends SecretRef {
  name: string;
  type: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface SaeSecret extends SecretBase {
  provider: 'alibaba-sae';
  /** An integer that can exceed 2^53, so carried as its decimal string. */
  secretId: string;
  relatedApps: RelatedAppRecord[];
  detail?: SaeSecretDetail;
}
export interface SaeSecretDetail {
  dataKeys: string[];
}

export interface ApigSecret extends SecretBase {
  provider: 'alibaba-apig';
  secretId: string;
  gatewayType: string | null;
  referenceCount: number | null;
  secretSource: string | null;
  status: string | null;
  kmsConfig: { kmsInstanceId: string | null; kmsKeyId: string | null } | null;
  detail?: never;
}

export interface KmsSecret extends SecretBase {
  provider: 'alibaba-kms';
  plannedDeleteTime: Date | null;
  owingService: string | null;
  /** null when the list call did not fetch tags. */
  tags: Tag[] | null;
  detail?: KmsSecretDetail;
}
export interface KmsSecretDetail {
  description: string | null;
  arn: string | null;
  encryptionKeyId: string | null;
  automaticRotation: string | null;
  rotationInterval: string | null;
  lastRotationDate: Date | null;
  nextRotationDate: Date | null;
  extendedConfig: string | null;
  dkmsInstanceId: string | null;
}

export interface CsmsSecret extends SecretBase {
  provider: 'huawei-csms';
  secretId: string;
  state: string | null;
  kmsKeyId: string | null;
  description: string | null;
  scheduledDeleteTime: Date | null;
  detail?: CsmsSecretDetail;
}
export interface CsmsSecretDetail {
  secretType: string | null;
  autoRotation: boolean | null;
  rotationPeriod: string | null;
  rotationConfig: string | null;
  rotationTime: Date | null;
  nextRotationTime: Date | null;
  eventSubscriptions: string[];
  enterpriseProjectId: string | null;
  rotationFuncUrn: string | null;
}

export type SecretRecord = SaeSecret | ApigSecret | KmsSecret | CsmsSecret;
export type SecretDetail = SaeSecretDetail | KmsSecretDetail | CsmsSecretDetail;

/**
 * A secret's value, as its provider returns it. Only the reveal path (reveal scope, audit line)
 * ever holds one; it lives as long as the request that asked for it and is never logged.
 */
export interface SaeSecretValue {
  provider: 'alibaba-sae';
  /** SecretData entries; SAE keeps each value base64-encoded. */
  data: Array<{ key: string; value: string }>;
}
export interface ApigSecretValue {
  provider: 'alibaba-apig';
  secretData: string;
}
export interface KmsSecretValue {
  provider: 'alibaba-kms';
  secretData: string;
  /** "text", or "binary" (then secretData is base64). */
  secretDataType: string | null;
  versionId: string | null;
  versionStages: string[];
  createdAt: Date | null;
}
export interface CsmsSecretValue {
  provider: 'huawei-csms';
  secretString: string | null;
  secretBinary: string | null;
  versionId: string | null;
  versionStages: string[];
  createdAt: Date | null;
}
export type SecretValue = SaeSecretValue | ApigSecretValue | KmsSecretValue | CsmsSecretValue;

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

export interface PageNumberPage {
  items: SecretRecord[];
  totalCount: number;
}
export interface MarkerPage {
  items: SecretRecord[];
  nextMarker: string | null;
}

/**
 * How a provider pages its ListSecrets; the shared engine in src/pagination does the rest. Every
 * method that calls the provider takes the request's scope last and hands it to `caller.call`.
 */
export type Paging =
  | {
      kind: 'page-number';
      maxPageSize: number;
      fetchPage(namespaceId: string, query: PushedQuery, pageNumber: number, pageSize: number, scope?: RequestScope): Promise<PageNumberPage>;
    }
  | {
      kind: 'marker';
      maxLimit: number;
      /** Position of an item as the provider's marker understands it. */
      markerOf(item: SecretRecord): string;
      fetchPage(namespaceId: string, query: PushedQuery, marker: string | null, limit: number, scope?: RequestScope): Promise<MarkerPage>;
    }
  | {
      kind: 'none';
      fetchAll(namespaceId: string, query: PushedQuery, scope?: RequestScope): Promise<SecretRecord[]>;
    };

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
  readonly paging: Paging;
  readonly lookup: Lookup;
  /** The lookup key is the secret's name (KMS, CSMS), so a name finds a record without a scan. */
  readonly keyIsName: boolean;
  /** Which filter fields this provider's records carry at all; a filter on any other field excludes the source without a call. */
  readonly filterableFields: ReadonlyArray<keyof SecretFilter>;
  listNamespaces(scope?: RequestScope): Promise<NamespaceRecord[]>;
  /** Provider-side parameters for the parts of the filter the API can apply; unless complete, the gateway re-checks the whole filter. */
  pushdown(filter: SecretFilter): Pushdown;
  /** Detail fields; one result per key, same order; null for a missing key. Absent when the list carries everything. */
  describe?(namespaceId: string, keys: string[], scope?: RequestScope): Promise<Array<SecretDetail | null | Error>>;
  /** Current values; one result per record, same order; null for a missing secret. Callers check the reveal scope first. */
  reveal(namespaceId: string, records: SecretRecord[], scope?: RequestScope): Promise<Array<SecretValue | null | Error>>;
}
