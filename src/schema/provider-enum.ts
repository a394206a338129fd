import { EnumRef } from '@pothos/core';
import type { Provider } from '../domain/records.js';
import type { ProviderCatalog } from '../sources/catalog.js';
import { builder, type Types } from './builder.js';

/**
 * The `Provider` enum: one value per provider of the catalog the schema is built from. Fields refer
 * to it before the catalog is known; `implementProviderEnum` gives it its values.
 */
export const ProviderEnum = new EnumRef<Types, Provider, Provider>('Provider');

export function implementProviderEnum(catalog: ProviderCatalog): void {
  const implemented = builder.enumType('Provider', {
    values: Object.fromEntries(
      catalog.providers.map((provider) => [provider.name, { value: provider.id, description: provider.description }]),
    ),
  });
  builder.configStore.associateParamWithRef(ProviderEnum, implemented);
}
