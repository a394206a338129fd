import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
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
    await expect(upstream.call('ListSecrets', call.fn, scope)).rejects.toMatchObject({
      info: { code: 'UPSTREAM_THROTTLED' },
    });
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
});
