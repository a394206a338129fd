/** What the upstream path waits on before each call: a local bucket, or one shared by the fleet. */
export interface RateLimiter {
  /**
   * Resolves when the call may go; rejects with `tooLate(waitMs)` if that would be after `deadline`
   * (epoch ms), `waitMs` being how long the call would have waited.
   */
  take(deadline: number, tooLate: (waitMs: number) => Error): Promise<void>;
  /**
   * Takes a call's share only if it is free now: nobody waits, and some headroom stays for the
   * callers that do wait (prefetch must not use up what clients need). Never waits.
   */
  tryTake(): Promise<boolean>;
}

/** The share of a burst a speculative call leaves to clients. */
export const CLIENT_HEADROOM = 0.25;

/**
 * A token bucket per source: `perSecond` tokens refill continuously up to `burst`. Callers wait
 * for a token in arrival order; a wait that would pass the caller's deadline fails at once.
 */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private updated = performance.now();
  private queue: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updated) / 1000) * this.perSecond);
    this.updated = now;
  }

  take(deadline: number, tooLate: (waitMs: number) => Error): Promise<void> {
    this.waiting++;
    const turn = this.queue.then(async () => {
      this.refill();
      if (this.tokens < 1) {
        const waitMs = ((1 - this.tokens) / this.perSecond) * 1000;
        if (Date.now() + waitMs > deadline) throw tooLate(waitMs);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        this.refill();
      }
      this.tokens -= 1;
    });
    // A rejected turn must not block the ones behind it.
    this.queue = turn.catch(() => undefined);
    void this.queue.then(() => this.waiting--);
    return turn;
  }

  async tryTake(): Promise<boolean> {
    this.refill();
    if (this.waiting > 0 || this.tokens < 1 + this.burst * CLIENT_HEADROOM) return false;
    this.tokens -= 1;
    return true;
  }
}
