import type { z } from 'zod';
import type { GatewayConfig } from '../config.js';
import { createCatalog, type ProviderCatalog } from '../sources/catalog.js';
import type { SchemaProvider } from '../schema/secret-node.js';
import { alibabaApig } from './alibaba-apig/index.js';
import { alibabaKms } from './alibaba-kms/index.js';
import { alibabaSae } from './alibaba-sae/index.js';
import { awsSecretsManager } from './aws-secrets-manager/index.js';
import { huaweiCsms } from './huawei-csms/index.js';

/**
 * The providers this gateway speaks to: the one list to extend (README "Adding a provider"). Only
 * the composition root (src/gateway-main.ts, the demo, the tests) imports it, and hands the engine
 * the catalog; the config union, the `Provider` enum, the node types, the value fields and the
 * error readers all follow from it.
 */
export const PROVIDER_MODULES = [
  alibabaSae,
  alibabaApig,
  alibabaKms,
  huaweiCsms,
  awsSecretsManager,
] as const satisfies readonly SchemaProvider[];

export type ProviderModules = (typeof PROVIDER_MODULES)[number];

/** Each module, as the engine takes it (its methods are only ever given their own provider's records and config). */
export const PROVIDER_CATALOG: ProviderCatalog<ProviderModules> = createCatalog<ProviderModules>(PROVIDER_MODULES);

/** One source's configuration, as its provider module declares it: the union the composition root types configs with. */
export type SourceConfig = ProviderModules extends infer M
  ? M extends { config: z.ZodType<infer C> }
    ? C
    : never
  : never;

type TypesOf<M> = M extends { types?: infer T } ? NonNullable<T> : never;
/** A record of any registered provider, for code that knows them all (tests, the demo). */
export type AnyProviderRecord =
  TypesOf<ProviderModules> extends infer T ? (T extends { record: infer R } ? R : never) : never;

/** A gateway configuration whose sources are typed by their providers' own configuration. */
export type ProvidersConfig = GatewayConfig<SourceConfig>;
