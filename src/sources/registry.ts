import { policyOf, type GatewayConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { SharedRateLimiter } from '../redis/rate-limiter.js';
import type { RedisLink } from '../redis/link.js';
import { UpstreamCaller } from '../upstream/call.js';
import type { ProviderCatalog } from './catalog.js';
import type { SecretSource } from './types.js';

export interface SourceRegistry {
  /** In configuration order: the order connections walk them. */
  readonly sources: readonly SecretSource[];
  readonly callers: ReadonlyMap<string, UpstreamCaller>;
  get(id: string): SecretSource | undefined;
}

/** With `redis`, each source's rate limit is shared by every replica on it (the clouds meter per account). */
export function createRegistry(
  catalog: ProviderCatalog,
  config: GatewayConfig,
  logger: Logger,
  redis?: RedisLink,
): SourceRegistry {
  const callers = new Map<string, UpstreamCaller>();
  const sources = config.sources.map((sourceConfig) => {
    const module = catalog.get(sourceConfig.provider);
    const policy = policyOf(sourceConfig, module.defaults);
    const shared = redis && new SharedRateLimiter(redis, sourceConfig.id, policy.rateLimit);
    const caller = new UpstreamCaller(sourceConfig.provider, sourceConfig.id, policy, module, logger, shared);
    callers.set(sourceConfig.id, caller);
    return module.create(sourceConfig, sourceConfig.endpoint ?? module.publicEndpoint(sourceConfig.region), caller);
  });
  const byId = new Map(sources.map((s) => [s.id, s]));
  return { sources, callers, get: (id) => byId.get(id) };
}
