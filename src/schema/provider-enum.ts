import { PROVIDER_MODULES } from '../providers/index.js';
import { builder } from './builder.js';

/** The `Provider` enum: one value per provider module. (Provider schemas must not import this: it reads the registry as it loads.) */
export const ProviderEnum = builder.enumType('Provider', {
  values: Object.fromEntries(
    PROVIDER_MODULES.map((module) => [module.name, { value: module.id, description: module.description }]),
  ) as Record<string, { value: (typeof PROVIDER_MODULES)[number]['id']; description: string }>,
});
