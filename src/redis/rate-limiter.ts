import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { CLIENT_HEADROOM, type RateLimiter } from '../upstream/rate-limit.js';
import type { RedisLink } from './link.js';

/**
 * A source's rate limit as fixed windows that every replica draws from: `burst` calls per
 * `burst / perSecond` seconds (whole seconds, as Redis expiries are), which keeps the configured
 * average and lets a burst through at the start of a window, like the local token bucket. Windows
 * are aligned to the clock (a 20 s window starts at :00, :20, :40), as the clouds' per-minute
 * counters are, so that a quota of N per minute holds whenever the windows divide the minute.
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
  private readonly local: LocalInsurance;
  private readonly windowMs: number;
  private readonly points: number;
  /** 5% of the window, at most 250 ms. */
  private readonly guardMs: number;

  constructor(
    private readonly link: RedisLink,
    private readonly sourceId: string,
    rate: { perSecond: number; burst: number },
  ) {
    const window = windowOf(rate);
    this.windowMs = window.duration * 1000;
    this.points = window.points;
    this.guardMs = Math.min(250, this.windowMs * 0.05);
    this.local = new LocalInsurance({ keyPrefix: 'rate-local', ...window }, () => {
      // Used while the link looked up: the Redis command failed or timed out.
      if (link.up) link.commandFailed();
      link.fellBack('rate-limit');
    });
    this.limiter = new RateLimiterRedis({
      storeClient: link.client,
      keyPrefix: 'rate',
      ...window,
      rejectIfRedisNotReady: true,
      insuranceLimiter: this.local,
    });
  }

  /**
   * A point of the current window if more than the clients' headroom is left in it, never waiting.
   * Read then consumed: two replicas racing may both take one of the last free points.
   */
  async tryTake(): Promise<boolean> {
    const now = Date.now();
    const index = Math.floor(now / this.windowMs);
    if ((index + 1) * this.windowMs - now < this.guardMs) return false;
    const key = `${this.sourceId}:${index}`;
    const limiter = this.link.up ? this.limiter : this.local;
    try {
      const used = (await limiter.get(key))?.consumedPoints ?? 0;
      if (this.points - used < 1 + this.points * CLIENT_HEADROOM) return false;
      await limiter.consume(key);
      return true;
    } catch {
      // Rejected (the window filled meanwhile) or Redis did not answer: no prefetch now.
      return false;
    }
  }

  async take(deadline: number, tooLate: (waitMs: number) => Error): Promise<void> {
    for (;;) {
      const now = Date.now();
      const index = Math.floor(now / this.windowMs);
      const windowEnd = (index + 1) * this.windowMs;
      // A call started in the last moments of a window may reach the cloud in its next one (travel
      // time, clock skew), where it would count too: the tail of each window is left unused.
      if (windowEnd - now < this.guardMs) {
        if (windowEnd + 1 > deadline) throw tooLate(windowEnd + 1 - now);
        await new Promise((resolve) => setTimeout(resolve, windowEnd - now + 1));
        continue;
      }
      try {
        // While Redis rests after a failed command, straight to the local limit (the library would wait for the timeout).
        await (this.link.up ? this.limiter : this.local).consume(`${this.sourceId}:${index}`);
        return;
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        // Until the next window; replicas woken by the same edge would collide, so spread them a little.
        const waitMs = windowEnd - Date.now() + Math.random() * 20;
        if (Date.now() + waitMs > deadline) throw tooLate(waitMs);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
  }
}
