import { PROVIDER_MODULES } from '../providers/index.js';
import { builder } from './builder.js';

const providerValues = Object.fromEntries(
  PROVIDER_MODULES.map((module) => [module.name, { value: module.id, description: module.description }]),
) as Record<string, { value: (typeof PROVIDER_MODULES)[number]['id']; description: string }>;

/**
 * The `Provider` enum: one value per provider module. Outputs and entity keys only: other subgraphs
 * declare it for the natural key, and federation merges an output-only enum by union, so their
 * copies need not gain a value when we do. (Provider schemas must not import this: it reads the
 * registry as it loads.)
 */
export const ProviderEnum = builder.enumType('Provider', { values: providerValues });

/** The same values for inputs (`SecretFilter.providers`), under a name no other subgraph has reason to declare. */
export const SecretFilterProviderEnum = builder.enumType('SecretFilterProvider', {
  description:
    'A provider to filter by, spelled as in `Provider`. Inputs have this type of their own so that `Provider`, which other subgraphs copy for the natural key, is output-only: a subgraph whose copy lacks a newer provider still composes.',
  values: providerValues,
});
