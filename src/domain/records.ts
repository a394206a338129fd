/**
 * The gateway's own domain model, below every engine layer: what a secret, a namespace and a filter
 * are. Adapters translate provider responses into these types; nothing here knows a provider.
 */

/** A provider's id, as sources are configured with it (`alibaba-sae`): one of the catalog's modules. */
export type Provider = string;

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

/**
 * A secret as its source's list call gives it: the shared fields, and its provider's own (each
 * provider's records.ts extends SecretBase). The engine reads only the shared ones.
 */
export interface SecretRecord extends SecretBase {
  provider: Provider;
  /** Applications using the secret, where the provider lists them with it (SAE). */
  relatedApps?: RelatedAppRecord[];
  /** Where the list call carries one (CSMS, AWS): the inventory's `search` reads it. */
  description?: string | null;
  /** The detail, when the list call already carried it (the detail loader then makes no call). */
  detail?: SecretDetail;
}

/** What a per-secret detail call adds to a record; only its provider's schema reads it. */
export type SecretDetail = object;

/**
 * A secret's value, as its provider returns it. Only the reveal path (reveal scope, audit line)
 * ever holds one; it lives as long as the request that asked for it and is never logged.
 */
export interface SecretValue {
  provider: Provider;
}

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
  /** Case-insensitive substring of the name, the description, a tag key or a tag value. */
  search?: string | null;
  updatedBefore?: Date | null;
  updatedAfter?: Date | null;
  createdBefore?: Date | null;
  createdAfter?: Date | null;
}

/** The fields a secret connection can be ordered by (`SecretOrder.field`). */
export type SecretOrderField = 'NAME' | 'CREATED_AT' | 'UPDATED_AT' | 'PROVIDER' | 'SOURCE';

export interface SecretOrder {
  field: SecretOrderField;
  direction: 'ASC' | 'DESC';
}

/** A record's values for the filter fields that not every provider has. */
export interface RecordFacets {
  /** CSMS state, APIG status. */
  state?: string | null;
  gatewayType?: string | null;
  tags?: Tag[] | null;
}

/** Provider-side query parameters an adapter derived from a filter. JSON-serialisable. */
export type PushedQuery = Record<string, string | number | boolean | string[] | undefined>;
