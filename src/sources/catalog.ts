import type { z } from 'zod';
import type { NamespaceKind, Provider, RecordFacets, SecretDetail, SecretRecord } from '../domain/records.js';
import type { UpstreamCaller, UpstreamPolicy } from '../upstream/call.js';
import type { ErrorCatalog } from '../upstream/errors.js';
import type { SourceConfigBase } from './source-config.js';
import type { SecretSource } from './types.js';

/**
 * What the engine knows of one provider. Each provider folder exports a module that satisfies it
 * (src/providers/module.ts adds its schema); the engine never imports a provider, it is handed a
 * catalog of them by the composition root (src/gateway-main.ts, the demo, the tests).
 */
export interface ProviderPlugin extends ErrorCatalog {
  /** The `provider` of a configured source (`alibaba-sae`). */
  readonly id: Provider;
  /** Its value in the GraphQL `Provider` enum (`ALIBABA_SAE`): what clients, routers and error extensions see. */
  readonly name: string;
  readonly description: string;
  /** The GraphQL object type of its secrets (`SaeSecret`); also the type part of their global IDs. */
  readonly typename: string;
  readonly namespaceKind: NamespaceKind;
  /** The configuration of one source of this provider (the shared fields come from `sourceFields`). */
  readonly config: z.ZodType<SourceConfigBase, unknown>;
  /** Calls, timeouts and rate limits from the provider's published quotas; each source may override them. */
  readonly defaults: UpstreamPolicy;
  publicEndpoint(region: string): string;
  /** The adapter for one configured source; `endpoint` is the configured one or `publicEndpoint(region)`. */
  create(config: SourceConfigBase, endpoint: string, caller: UpstreamCaller): SecretSource;
  /** The secret's type when only its detail carries it (CSMS ShowSecret). */
  typeOfDetail?(detail: SecretDetail | null): string | null;
  /** The record's values for the filter fields that not every provider has. */
  facets(record: SecretRecord): RecordFacets;
}

/** The providers a gateway speaks to, in their registry's order. */
export interface ProviderCatalog<P extends ProviderPlugin = ProviderPlugin> {
  readonly providers: readonly P[];
  /** The module of a provider id; throws for an id not in the catalog (configuration parsing refuses those first). */
  get(provider: Provider): P;
  /** The provider a `Provider` enum value (`ALIBABA_SAE`) names, or null. */
  ofName(name: unknown): P | null;
}

export function createCatalog<P extends ProviderPlugin>(providers: readonly P[]): ProviderCatalog<P> {
  const byId = new Map(providers.map((provider) => [provider.id, provider]));
  const byName = new Map(providers.map((provider) => [provider.name, provider]));
  return {
    providers,
    get(provider) {
      const found = byId.get(provider);
      if (!found) throw new Error(`no provider "${provider}" in the catalog`);
      return found;
    },
    ofName: (name) => (typeof name === 'string' ? (byName.get(name) ?? null) : null),
  };
}
