import { alibabaApig } from './alibaba-apig/index.js';
import { alibabaKms } from './alibaba-kms/index.js';
import { alibabaSae } from './alibaba-sae/index.js';
import { awsSecretsManager } from './aws-secrets-manager/index.js';
import { huaweiCsms } from './huawei-csms/index.js';
import type { SourceConfig } from '../config.js';
import type { SecretDetail, SecretRecord, SecretValue } from '../sources/types.js';
import type { ProviderModule } from './module.js';

/**
 * The providers this gateway speaks to: the one list to extend (README "Adding a provider"). The
 * config union, the `Provider` enum, the node types, the value fields, the error readers and the
 * unions of records, details and values are all derived from it.
 */
export const PROVIDER_MODULES = [alibabaSae, alibabaApig, alibabaKms, huaweiCsms, awsSecretsManager] as const;

export type ProviderModules = (typeof PROVIDER_MODULES)[number];
type Provider = ProviderModules['id'];

export const PROVIDERS: readonly Provider[] = PROVIDER_MODULES.map((module) => module.id);

/** Any provider's module, taking any provider's records (each module is only ever given its own). */
export type AnyProviderModule = ProviderModule<Provider, SecretRecord, SecretDetail, SecretValue, SourceConfig>;

const byId = new Map<string, AnyProviderModule>(
  PROVIDER_MODULES.map((module) => [module.id, module as AnyProviderModule]),
);

/** The module of a provider id; the engine's only way to a provider's particulars. */
export function providerModule(provider: Provider): AnyProviderModule {
  return byId.get(provider)!;
}

/** The provider a `Provider` enum value (`ALIBABA_SAE`) names, or null. */
export function providerOfName(name: unknown): Provider | null {
  return PROVIDER_MODULES.find((module) => module.name === name)?.id ?? null;
}

/** Each provider as the schema spells it (the `Provider` enum): what clients, routers and error extensions see. */
export function providerName(provider: Provider): string {
  return providerModule(provider).name;
}
