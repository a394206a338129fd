import { huaweiIamEndpoint, policyOf, PUBLIC_ENDPOINTS, type GatewayConfig, type SourceConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { SharedRateLimiter } from '../redis/rate-limiter.js';
import type { RedisLink } from '../redis/link.js';
import { UpstreamCaller } from '../upstream/call.js';
import { createApigSource, APIG_ERROR_CODES } from './alibaba-apig.js';
import { createKmsSource, KMS_ERROR_CODES } from './alibaba-kms.js';
import { createSaeSource, SAE_ERROR_CODES } from './alibaba-sae.js';
import { createCsmsSource, CSMS_ERROR_CODES } from './huawei-csms.js';
import type { SecretSource } from './types.js';

export interface SourceRegistry {
  /** In configuration order: the order connections walk them. */
  readonly sources: readonly SecretSource[];
  readonly callers: ReadonlyMap<string, UpstreamCaller>;
  get(id: string): SecretSource | undefined;
}

const ERROR_TABLES = {
  'alibaba-sae': SAE_ERROR_CODES,
  'alibaba-apig': APIG_ERROR_CODES,
  'alibaba-kms': KMS_ERROR_CODES,
  'huawei-csms': CSMS_ERROR_CODES,
} as const;

function build(config: SourceConfig, caller: UpstreamCaller): SecretSource {
  const endpoint = config.endpoint ?? PUBLIC_ENDPOINTS[config.provider](config.region);
  switch (config.provider) {
    case 'alibaba-sae':
      return createSaeSource(config, endpoint, caller);
    case 'alibaba-apig':
      return createApigSource(config, endpoint, caller);
    case 'alibaba-kms':
      return createKmsSource(config, endpoint, caller);
    case 'huawei-csms':
      return createCsmsSource(config, endpoint, config.iamEndpoint ?? huaweiIamEndpoint(config.region), caller);
  }
}

/** With `redis`, each source's rate limit is shared by every replica on it (the clouds meter per account). */
export function createRegistry(config: GatewayConfig, logger: Logger, redis?: RedisLink): SourceRegistry {
  const callers = new Map<string, UpstreamCaller>();
  const sources = config.sources.map((sourceConfig) => {
    const policy = policyOf(sourceConfig);
    const shared = redis && new SharedRateLimiter(redis, sourceConfig.id, policy.rateLimit);
    const caller = new UpstreamCaller(sourceConfig.provider, sourceConfig.id, policy, ERROR_TABLES[sourceConfig.provider], logger, shared);
    callers.set(sourceConfig.id, caller);
    return build(sourceConfig, caller);
  });
  const byId = new Map(sources.map((s) => [s.id, s]));
  return { sources, callers, get: (id) => byId.get(id) };
}
