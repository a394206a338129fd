import { writeFileSync } from 'node:fs';
import { loadConfigFile } from '../../src/config.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import type { Provider } from '../../src/domain/records.js';
import { authConfig } from '../auth.js';
import { EMULATOR_CREDENTIALS } from '../../src/emulators/credentials.js';
import { AWS_EMULATOR_CREDENTIALS } from '../../src/providers/aws-secrets-manager/credentials.js';
import type { EmulatorUrls, InventorySummary, ProviderKey } from './types.js';

export const SOURCE_IDS: Record<ProviderKey, string> = {
  sae: 'bench-sae',
  apig: 'bench-apig',
  kms: 'bench-kms',
  csms: 'bench-csms',
  aws: 'bench-aws',
};
const PROVIDER_NAMES: Record<ProviderKey, Provider> = {
  sae: 'alibaba-sae',
  apig: 'alibaba-apig',
  kms: 'alibaba-kms',
  csms: 'huawei-csms',
  aws: 'aws-secrets-manager',
};

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface BenchConfigOptions {
  /** Configure SAE namespaces explicitly (no DescribeNamespaceList per request) or let the gateway discover them. */
  discoverNamespaces: boolean;
  /**
   * Keep the gateway's default per-source rate limits (SAE: 1 call/s after a burst of 20). By
   * default they are lifted: the emulators have no quota, and the benchmark measures the gateway.
   */
  keepRateLimits: boolean;
  /** Per-source `cache` policy; `null` leaves the gateway's default. */
  cache: JsonObject | null;
  /**
   * Deep-merged into the generated configuration. `sources` may be an object keyed by sae/apig/kms/csms/aws,
   * merged into that source: `{"sources":{"sae":{"maxConcurrency":3}}}`.
   */
  extra: JsonObject[];
}

/** The gateway configuration for the benchmark: one source per emulator, in the demo's order. */
export function benchConfig(urls: EmulatorUrls, inventory: InventorySummary, options: BenchConfigOptions): JsonObject {
  const alibaba = { ...EMULATOR_CREDENTIALS.alibaba };
  const huawei = EMULATOR_CREDENTIALS.huawei;
  // Sorted by id, the order discovery gives them, so that both settings page identically.
  const namespaces = inventory.sae.namespaces.map((n) => n.id).sort((a, b) => a.localeCompare(b));
  const sae: JsonObject = {
    id: SOURCE_IDS.sae,
    provider: 'alibaba-sae',
    region: inventory.sae.regionId,
    endpoint: urls.sae,
    credentials: alibaba,
  };
  if (!options.discoverNamespaces) sae.namespaces = namespaces;
  let config: JsonObject = {
    server: { host: '127.0.0.1', port: 0, graphiql: false },
    cursorSecret: 'bench-cursor-secret-0123456789abcdef',
    auth: authConfig(),
    sources: [
      sae,
      {
        id: SOURCE_IDS.apig,
        provider: 'alibaba-apig',
        region: inventory.apig.regionId,
        endpoint: urls.apig,
        credentials: alibaba,
      },
      {
        id: SOURCE_IDS.kms,
        provider: 'alibaba-kms',
        region: inventory.kms.regionId,
        endpoint: urls.kms,
        credentials: alibaba,
      },
      {
        id: SOURCE_IDS.csms,
        provider: 'huawei-csms',
        region: 'cn-north-4',
        endpoint: urls.csms,
        iamEndpoint: urls.csms,
        projectId: inventory.csms.projectId,
        credentials: { domainName: huawei.domainName, userName: huawei.userName, password: huawei.password },
      },
      {
        id: SOURCE_IDS.aws,
        provider: 'aws-secrets-manager',
        region: inventory.aws.region,
        endpoint: urls.aws,
        credentials: {
          accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
          secretAccessKey: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
        },
      },
    ],
  };
  const policy: JsonObject = {};
  if (!options.keepRateLimits) policy.rateLimit = { perSecond: 10_000, burst: 10_000 };
  if (options.cache) policy.cache = options.cache;
  config.sources = (config.sources as JsonObject[]).map((source) => ({ ...source, ...policy }));
  for (const extra of options.extra) config = mergeConfig(config, extra);
  return config;
}

function mergeConfig(base: JsonObject, extra: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    if (
      key === 'sources' &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Array.isArray(base.sources)
    ) {
      const byProvider = value as JsonObject;
      out.sources = (base.sources as JsonObject[]).map((source) => {
        const provider = (Object.keys(SOURCE_IDS) as ProviderKey[]).find((p) => SOURCE_IDS[p] === source.id);
        const patch = provider ? byProvider[provider] : undefined;
        return patch && typeof patch === 'object' && !Array.isArray(patch) ? deepMerge(source, patch) : source;
      });
    } else {
      out[key] = deepMerge(base[key], value);
    }
  }
  return out;
}

function deepMerge(base: Json | undefined, extra: Json): Json {
  if (
    !base ||
    typeof base !== 'object' ||
    Array.isArray(base) ||
    !extra ||
    typeof extra !== 'object' ||
    Array.isArray(extra)
  )
    return extra;
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(extra)) out[key] = deepMerge(out[key], value);
  return out;
}

/** Writes the file and validates it with the gateway's own loader, so that a bad key fails here, clearly. */
export function writeConfig(path: string, config: JsonObject): void {
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  loadConfigFile(path, PROVIDER_CATALOG, {});
}

/** Per-source concurrency and rate limits the gateway will apply. */
export function limitsOf(
  config: JsonObject,
  provider: ProviderKey,
): { maxConcurrency: number; rateLimit: { perSecond: number; burst: number } | null } {
  const source = (config.sources as JsonObject[]).find((s) => s.id === SOURCE_IDS[provider]);
  const defaults = PROVIDER_CATALOG.get(PROVIDER_NAMES[provider]).defaults;
  const configured = source?.maxConcurrency;
  const rate = source?.rateLimit as { perSecond: number; burst: number } | undefined;
  return {
    maxConcurrency: typeof configured === 'number' ? configured : defaults.maxConcurrency,
    rateLimit: rate ?? defaults.rateLimit ?? null,
  };
}
