import { EnumRef } from '@pothos/core';
import type { Provider } from '../domain/records.js';
import type { ProviderCatalog } from '../sources/catalog.js';
import { builder, type Types } from './builder.js';

/**
 * The `Provider` enum: one value per provider of the catalog the schema is built from. Outputs and
 * entity keys only: other subgraphs declare it for the natural key, and federation merges an
 * output-only enum by union, so their copies need not gain a value when we do. Fields refer to it
 * before the catalog is known; `implementProviderEnums` gives it its values.
 */
export const ProviderEnum = new EnumRef<Types, Provider, Provider>('Provider');

/** The same values for inputs (`SecretFilter.providers`), under a name no other subgraph has reason to declare. */
export const SecretFilterProviderEnum = new EnumRef<Types, Provider, Provider>('SecretFilterProvider');

export function implementProviderEnums(catalog: ProviderCatalog): void {
  const values = Object.fromEntries(
    catalog.providers.map((provider) => [provider.name, { value: provider.id, description: provider.description }]),
  );
  builder.configStore.associateParamWithRef(ProviderEnum, builder.enumType('Provider', { values }));
  builder.configStore.associateParamWithRef(
    SecretFilterProviderEnum,
    builder.enumType('SecretFilterProvider', {
      description:
        'A provider to filter by, spelled as in `Provider`. Inputs have this type of their own so that `Provider`, which other subgraphs copy for the natural key, is output-only: a subgraph whose copy lacks a newer provider still composes.',
      values,
    }),
  );
}
