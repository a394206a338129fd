import type { z } from 'zod';
import type { SecretObjectRef } from '../schema/secret-node.js';
import type { NamespaceKind, SecretRecord, SecretSource, Tag } from '../sources/types.js';
import type { UpstreamCaller, UpstreamPolicy } from '../upstream/call.js';
import type { ErrorCodeTable, RawProviderError } from '../upstream/errors.js';

/**
 * Everything the gateway knows about one provider, in one object that its folder exports and
 * src/providers/index.ts lists. The engine (pagination, loaders, upstream, auth, cache) reads
 * providers only through this; adding one is a folder and a line in that list.
 */
export interface ProviderModule<
  Id extends string = string,
  Record extends { provider: Id } = { provider: Id },
  Detail = unknown,
  Value extends { provider: Id } = { provider: Id },
  Config extends { provider: Id } = { provider: Id; id: string; region: string },
> {
  /** The `provider` of a configured source (`alibaba-sae`). */
  readonly id: Id;
  /** Its value in the GraphQL `Provider` enum (`ALIBABA_SAE`): what clients, routers and error extensions see. */
  readonly name: string;
  readonly description: string;
  /** The GraphQL object type of its secrets (`SaeSecret`); also the type part of their global IDs. */
  readonly typename: string;
  readonly namespaceKind: NamespaceKind;
  /** The configuration of one source of this provider (the shared fields come from `sourceFields`). */
  readonly config: z.ZodType<Config, unknown>;
  /** Calls, timeouts and rate limits from the provider's published quotas; each source may override them. */
  readonly defaults: UpstreamPolicy;
  publicEndpoint(region: string): string;
  /** The provider's error codes, mapped to the gateway's. */
  readonly errorCodes: ErrorCodeTable;
  /** Reads what the generic reader (src/upstream/errors.ts) cannot find in this provider's errors. */
  readError?(error: unknown): Partial<RawProviderError> | null;
  /** The adapter for one configured source; `endpoint` is the configured one or `publicEndpoint(region)`. */
  create(config: Config, endpoint: string, caller: UpstreamCaller): SecretSource;
  /** The secret's type when only its detail carries it (CSMS ShowSecret). */
  typeOfDetail?(detail: Detail | null): string | null;
  /** The record's values for the filter fields that not every provider has. */
  facets(record: Record): RecordFacets;
  /** Declares the provider's GraphQL types (its `Secret` implementation and value types) and returns its secret type. */
  defineSchema(): SecretObjectRef<Record & SecretRecord>;
  /** Phantom types: what the unions of records, details and values are derived from. */
  readonly types?: { record: Record; detail: Detail; value: Value };
}

export interface RecordFacets {
  /** CSMS state, APIG status. */
  state?: string | null;
  gatewayType?: string | null;
  tags?: Tag[] | null;
}
