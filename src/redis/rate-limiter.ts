import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from '../upstream/rate-limit.js';
import type { RedisLink } from './link.js';

/**
 * A source's rate limit as fixed windows that every replica draws from: `burst` calls per
 * `burst / perSecond` seconds (whole seconds, as Redis expiries are), which keeps the configured
 * average and lets a burst through at the start of a window, like the local token bucket.
 */
export function windowOf(rate: { perSecond: number; burst: number }): { points: number; duration: number } {
  const duration = Math.max(1, Math.round(rate.burst / rate.perSecond));
  return { points: Math.max(1, Math.round(rate.perSecond * duration)), duration };
}

/** Counts the calls that were let through on this replica's own limit (Redis unreachable). */
class LocalInsurance extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }
  override consume(...args: Parameters<RateLimiterMemory['consume']>): ReturnType<RateLimiterMemory['consume']> {
    this.onUse();
    return super.consume(...args);
  }
}

/**
 * The per-source limit shared by all replicas through Redis (rate-limiter-flexible). When Redis
 * does not answer, the same limit is applied by this replica alone (its insurance limiter), so
 * calls go on at the local rate until Redis returns.
 */
export class SharedRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(
    link: RedisLink,
    private readonly sourceId: string,
    rate: { perSecond: number; burst: number },
  ) {
    const window = windowOf(rate);
    this.limiter = new RateLimiterRedis({
      storeClient: link.client,
      keyPrefix: 'rate',
      ...window,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new LocalInsurance({ keyPrefix: 'rate-local', ...window }, () => link.fellBack('rate-limit')),
    });
  }

  async take(deadline: number, tooLate: () => Error): Promise<void> {
    for (;;) {
      try {
        await this.limiter.consume(this.sourceId);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // Replicas woken by the same window edge would collide: spread them a little.
        const waitMs = rejection.msBeforeNext + Math.random() * 20;
        if (Date.now() + waitMs > deadline) throw tooLate();
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }
}
