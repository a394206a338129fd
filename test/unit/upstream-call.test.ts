import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { UpstreamCaller, type UpstreamEvent, type UpstreamPolicy } from '../../src/upstream/call.js';
import { UpstreamError } from '../../src/upstream/errors.js';

/**
 * The one upstream path, against fake provider calls (plain functions that answer or throw the way
 * the SDK clients do): which failures are retried and how often, the credential renewal, the
 * deadline, the breaker, the rate limit, and what leaves it (codes, events, redaction).
 */
const POLICY: UpstreamPolicy = {
  maxConcurrency: 2,
  timeoutMs: 200,
  rateLimit: { perSecond: 1000, burst: 1000 },
  retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  circuitBreaker: { failureThreshold: 3, halfOpenAfterMs: 60_000 },
};
const CODES = {
  name: 'ALIBABA_KMS',
  errorCodes: {
    'Throttling.User': 'UPSTREAM_THROTTLED',
    'Forbidden.RAM': 'UPSTREAM_FORBIDDEN',
    InvalidToken: 'UPSTREAM_AUTH_FAILED',
  } as const,
};

function caller(policy: Partial<UpstreamPolicy> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
  });
  const upstream = new UpstreamCaller('alibaba-kms', 'kms-unit', { ...POLICY, ...policy }, CODES, logger);
  const events: UpstreamEvent[] = [];
  upstream.observe((event) => events.push(event));
  return { upstream, events, lines };
}

/** A provider error as pop-core throws it: the body's Code and Message, the HTTP status. */
const providerError = (code: string, status = 400, message = `${code} happened`) =>
  Object.assign(new Error(message), { data: { Code: code, Message: message }, statusCode: status });

/** A call that fails with the given errors in turn, then answers `ok`. */
function script(...failures: Error[]) {
  let calls = 0;
  const fn = async () => {
    calls++;
    const failure = failures.shift();
    if (failure) throw failure;
    return 'ok';
  };
  return { fn, calls: () => calls };
}

describe('UpstreamCaller', () => {
  it('retries retryable failures within the attempt budget, with one retry event each', async () => {
    const { upstream, events } = caller();
    const call = script(providerError('Throttling.User'), providerError('Throttling.User'));
    expect(await upstream.call('ListSecrets', call.fn)).toBe('ok');
    expect(call.calls()).toBe(3);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { code: string }).code)).toEqual([
      'UPSTREAM_THROTTLED',
      'UPSTREAM_THROTTLED',
    ]);
  });

  it('gives up after maxAttempts with the classified error, and never retries what cannot succeed', async () => {
    const { upstream } = caller();
    const throttled = script(...Array.from({ length: 5 }, () => providerError('Throttling.User')));
    await expect(upstream.call('ListSecrets', throttled.fn)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_THROTTLED', retryable: true, providerCode: 'Throttling.User' },
    });
    expect(throttled.calls()).toBe(3);
    const forbidden = script(providerError('Forbidden.RAM', 403));
    await expect(upstream.call('ListSecrets', forbidden.fn)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_FORBIDDEN', retryable: false },
    });
    expect(forbidden.calls()).toBe(1);
  });

  it('an auth failure renews the credential once and tries again at once, outside the retry budget', async () => {
    const { upstream, events } = caller({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    let renewals = 0;
    const causes: unknown[] = [];
    upstream.renewOnAuthFailure((cause) => (causes.push(cause), renewals++, true));
    const refused = providerError('InvalidToken', 401);
    const once = script(refused);
    expect(await upstream.call('ListSecrets', once.fn)).toBe('ok');
    expect([once.calls(), renewals]).toEqual([2, 1]);
    // The adapter is told which failure it is (the provider's own error), to renew only what failed.
    expect(causes).toHaveLength(1);
    expect(causes[0]).toBe(refused);
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(1);
    // Still refused after renewing: no second renewal, no loop.
    const always = script(
      providerError('InvalidToken', 401),
      providerError('InvalidToken', 401),
      providerError('InvalidToken', 401),
    );
    await expect(upstream.call('ListSecrets', always.fn)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_AUTH_FAILED' },
    });
    expect([always.calls(), renewals]).toEqual([2, 2]);
  });

  it('nothing to renew: an auth failure fails at once', async () => {
    const { upstream } = caller();
    upstream.renewOnAuthFailure(() => false);
    const call = script(providerError('InvalidToken', 401));
    await expect(upstream.call('ListSecrets', call.fn)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_AUTH_FAILED' },
    });
    expect(call.calls()).toBe(1);
  });

  it('a call that outlives its timeout is UPSTREAM_TIMEOUT; a passed deadline makes no call', async () => {
    const { upstream } = caller({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(upstream.call('ListSecrets', () => new Promise(() => undefined))).rejects.toMatchObject({
      info: { code: 'UPSTREAM_TIMEOUT', retryable: true },
    });
    const call = script();
    const scope = { deadline: Date.now() - 1, retries: new Map<string, number>() } as never;
    await expect(upstream.call('ListSecrets', call.fn, scope)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_TIMEOUT' },
    });
    expect(call.calls()).toBe(0);
  });

  it('opens the breaker after consecutive source failures and then makes no call', async () => {
    const { upstream, events } = caller({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    for (let i = 0; i < 3; i++)
      await expect(upstream.call('ListSecrets', script(providerError('InternalError', 503)).fn)).rejects.toBeInstanceOf(
        UpstreamError,
      );
    expect(events.some((e) => e.type === 'breaker' && e.state === 'open')).toBe(true);
    const call = script();
    await expect(upstream.call('ListSecrets', call.fn)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    expect(call.calls()).toBe(0);
  });

  it('a rate limit that would pass the deadline is UPSTREAM_THROTTLED without a call', async () => {
    const { upstream } = caller({
      rateLimit: { perSecond: 0.5, burst: 1 },
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 2 },
    });
    expect(await upstream.call('ListSecrets', script().fn)).toBe('ok');
    const call = script();
    const scope = { deadline: Date.now() + 100, retries: new Map<string, number>() } as never;
    const refused = (await upstream.call('ListSecrets', call.fn, scope).catch((e: unknown) => e)) as UpstreamError;
    expect(refused.info).toMatchObject({ code: 'UPSTREAM_THROTTLED', retryable: true });
    // The limiter's own wait: one token every 2 s, and the only one was just taken.
    expect(refused.extensions.retryAfterMs).toBeGreaterThan(1900);
    expect(refused.extensions.retryAfterMs).toBeLessThanOrEqual(2000);
    expect(call.calls()).toBe(0);
  });

  it('credentials echoed by a client never reach the message or the log', async () => {
    const { upstream, lines } = caller({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    const echoed = providerError(
      'Forbidden.RAM',
      403,
      'denied, URL: https://kms.example/?AccessKeyId=LTAIexample&Signature=abc123 Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig',
    );
    const error = (await upstream.call('ListSecrets', script(echoed).fn).catch((e: unknown) => e)) as UpstreamError;
    for (const text of [error.message, lines.join('')]) {
      expect(text).not.toMatch(/LTAIexample|abc123|eyJhbGciOi/);
    }
  });

  describe('retryAfterMs: how long a client should wait', () => {
    const once = { retry: { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 2000 } };
    const failure = async (upstream: UpstreamCaller, error: Error) =>
      (await upstream.call('ListSecrets', script(error).fn).catch((e: unknown) => e)) as UpstreamError;

    it('on every retryable failure: the next step of the backoff when nothing better is known', async () => {
      const { upstream } = caller({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1000 } });
      const throttled = script(...Array.from({ length: 3 }, () => providerError('Throttling.User')));
      const error = (await upstream.call('ListSecrets', throttled.fn).catch((e: unknown) => e)) as UpstreamError;
      // Waits of about 10 and 20 ms were this path's own; the client's is the next step.
      expect(error.extensions).toMatchObject({ code: 'UPSTREAM_THROTTLED', retryable: true, retryAfterMs: 80 });
      expect(error.info.retryAfterMs).toBe(80);
      const timedOut = (await caller(once)
        .upstream.call('ListSecrets', () => new Promise(() => undefined))
        .catch((e: unknown) => e)) as UpstreamError;
      expect(timedOut.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', retryAfterMs: 200 });
    });

    it("the provider's Retry-After, which the path itself honours first", async () => {
      const { upstream, events } = caller({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
      // As pop-core's RPC client throws a 429 that carried the header.
      const throttled = () =>
        Object.assign(providerError('Throttling.User', 429), {
          entry: { response: { statusCode: 429, headers: { 'retry-after': '0.05' } } },
        });
      const call = script(throttled(), throttled());
      const error = (await upstream.call('ListSecrets', call.fn).catch((e: unknown) => e)) as UpstreamError;
      expect(events.find((e) => e.type === 'retry')).toMatchObject({ delayMs: 50 });
      expect(error.extensions.retryAfterMs).toBe(50);
    });

    it('never on a failure that asking again will not cure', async () => {
      const forbidden = await failure(caller(once).upstream, providerError('Forbidden.RAM', 403));
      expect(forbidden.extensions).not.toHaveProperty('retryAfterMs');
      expect(forbidden.extensions).not.toHaveProperty('reason');
      expect(forbidden.info.retryAfterMs).toBeNull();
      // Not even when the provider sent a Retry-After with it.
      const withHeader = Object.assign(providerError('Forbidden.RAM', 403), {
        entry: { response: { statusCode: 403, headers: { 'retry-after': '5' } } },
      });
      expect((await failure(caller(once).upstream, withHeader)).extensions).not.toHaveProperty('retryAfterMs');
    });

    it('one failed item of a batch answer gets it too', () => {
      const { upstream } = caller(once);
      const item = upstream.toUpstreamError('BatchGetSecretValue', {
        name: 'Throttling.User',
        code: 'Throttling.User',
      });
      expect(item.extensions).toMatchObject({ code: 'UPSTREAM_THROTTLED', retryAfterMs: 200 });
      const gone = upstream.toUpstreamError('BatchGetSecretValue', { name: 'Forbidden.RAM', code: 'Forbidden.RAM' });
      expect(gone.extensions).not.toHaveProperty('retryAfterMs');
    });

    describe('an open breaker', () => {
      afterEach(() => vi.useRealTimers());

      it('refuses without a call, says CIRCUIT_OPEN and when it probes; the wait doubles from 1 s while probes fail, up to halfOpenAfterMs', async () => {
        // Only the clock the breaker reads is frozen: it moves when the test says.
        vi.useFakeTimers({ toFake: ['Date'] });
        const { upstream } = caller({ ...once, circuitBreaker: { failureThreshold: 2, halfOpenAfterMs: 5000 } });
        const unavailable = () => providerError('ServiceUnavailable', 503);
        const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

        expect((await failure(upstream, unavailable())).extensions.retryAfterMs).toBe(200);
        // The failure that opens the breaker: no sooner than its probe.
        const opening = await failure(upstream, unavailable());
        expect(opening.extensions).toMatchObject({ retryAfterMs: 1000 });
        expect(opening.extensions).not.toHaveProperty('reason');

        const refusal = script();
        later(400);
        const refused = (await upstream.call('ListSecrets', refusal.fn).catch((e: unknown) => e)) as UpstreamError;
        expect(refused.extensions).toMatchObject({
          code: 'UPSTREAM_UNAVAILABLE',
          reason: 'CIRCUIT_OPEN',
          retryable: true,
          retryAfterMs: 600,
          providerCode: null,
        });
        expect(refusal.calls()).toBe(0);

        // Each failed probe opens it again, for twice as long, up to the policy's 5 s.
        const waits: number[] = [];
        let wait = 600;
        for (let probe = 0; probe < 4; probe++) {
          later(wait);
          const probed = script(unavailable());
          const error = (await upstream.call('ListSecrets', probed.fn).catch((e: unknown) => e)) as UpstreamError;
          expect(probed.calls()).toBe(1);
          expect(error.extensions).not.toHaveProperty('reason');
          wait = error.extensions.retryAfterMs as number;
          waits.push(wait);
        }
        expect(waits).toEqual([2000, 4000, 5000, 5000]);

        later(wait);
        expect(await upstream.call('ListSecrets', script().fn)).toBe('ok');
        expect(upstream.breakerState).toBe('closed');
        // Closed, the next outage starts from 1 s again.
        await failure(upstream, unavailable());
        expect((await failure(upstream, unavailable())).extensions.retryAfterMs).toBe(1000);
      });

      it('a policy whose halfOpenAfterMs is under 1 s keeps it as its only wait', async () => {
        vi.useFakeTimers({ toFake: ['Date'] });
        const { upstream } = caller({ ...once, circuitBreaker: { failureThreshold: 1, halfOpenAfterMs: 300 } });
        expect((await failure(upstream, providerError('ServiceUnavailable', 503))).extensions.retryAfterMs).toBe(300);
        vi.setSystemTime(Date.now() + 300);
        expect((await failure(upstream, providerError('ServiceUnavailable', 503))).extensions.retryAfterMs).toBe(300);
      });
    });
  });
});
