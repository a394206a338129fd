import type { z } from 'zod';
import type { RecordFacets, SecretRecord } from '../domain/records.js';
import type { SchemaProvider, SecretObjectRef } from '../schema/secret-node.js';
import type { SecretSource } from '../sources/types.js';
import type { UpstreamCaller } from '../upstream/call.js';

export type { RecordFacets };

/**
 * Everything the gateway knows about one provider, in one object that its folder exports and
 * src/providers/index.ts lists: the engine's `ProviderPlugin` (src/sources/catalog.ts) and the
 * schema's `defineSchema`, typed by the provider's own record, detail, value and configuration.
 * Adding a provider is a folder and a line in that list.
 */
export interface ProviderModule<
  Id extends string = string,
  Record extends { provider: Id } = { provider: Id },
  Detail = unknown,
  Value extends { provider: Id } = { provider: Id },
  Config extends { provider: Id } = { provider: Id; id: string; region: string },
> extends Omit<SchemaProvider, 'id' | 'config' | 'create' | 'typeOfDetail' | 'facets' | 'defineSchema'> {
  readonly id: Id;
  /** The configuration of one source of this provider (the shared fields come from `sourceFields`). */
  readonly config: z.ZodType<Config, unknown>;
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
