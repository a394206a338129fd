// Over 400 lines because it is the one path every provider call takes (deadline, retries, breaker, limiter, speculative calls, error mapping), one class read top to bottom.
import { SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  noJitterGenerator,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type IBackoffFactory,
} from 'cockatiel';
import type { Logger } from '../logger.js';
import type { Provider } from '../domain/records.js';
import {
  classify,
  isRetryable,
  readProviderError,
  UpstreamError,
  type ErrorCatalog,
  type UpstreamErrorCode,
  type UpstreamErrorInfo,
  type UpstreamRefusal,
} from './errors.js';
import { TokenBucket, type RateLimiter } from './rate-limit.js';
import { redact } from './redact.js';
import type { RequestScope } from './request-scope.js';

export interface UpstreamPolicy {
  /** Calls in flight at once for this source, across all requests. */
  maxConcurrency: number;
  /** Per-call timeout (also handed to the SDK client). */
  timeoutMs: number;
  /** Token bucket: sustained calls per second and burst size. */
  rateLimit: { perSecond: number; burst: number };
  /** Attempts per call, including the first; backoff is exponential with jitter. */
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  /**
   * Opens after this many consecutive failures of the source. Its first probe goes after 1 s (or
   * `halfOpenAfterMs`, if shorter); the wait doubles while probes fail, up to `halfOpenAfterMs`.
   */
  circuitBreaker: { failureThreshold: number; halfOpenAfterMs: number };
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export type UpstreamEvent =
  | {
      type: 'call';
      provider: Provider;
      source: string;
      operation: string;
      outcome: 'ok' | 'error';
      code: UpstreamErrorCode | null;
      durationMs: number;
    }
  | { type: 'retry'; provider: Provider; source: string; operation: string; code: UpstreamErrorCode; delayMs: number }
  | { type: 'breaker'; provider: Provider; source: string; state: BreakerState };

export type UpstreamObserver = (event: UpstreamEvent) => void;

/** Failures that say the source itself is unwell; bad requests and not-found do not count. */
const BREAKER_CODES: ReadonlySet<UpstreamErrorCode> = new Set([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_BAD_RESPONSE',
]);

/** An open breaker's first wait before its probe; see UpstreamPolicy.circuitBreaker. */
const FIRST_HALF_OPEN_MS = 1000;

/** Without a GraphQL request around the call (start-up, scripts), this bounds its retries. */
const DEFAULT_DEADLINE_MS = 30_000;

const tracer = trace.getTracer('secrets-gateway');

/**
 * The provider's own error behind each UpstreamError, for `renewOnAuthFailure` only. Kept here, not
 * on the error, so that nothing that logs or serializes an UpstreamError can reach a raw SDK error.
 */
const causes = new WeakMap<UpstreamError, unknown>();

/**
 * The one path every provider call takes: deadline, circuit breaker, rate limit, concurrency cap
 * and timeout around each attempt; retries with backoff and jitter on retryable failures only;
 * error classification and redaction; logs, metrics events and trace spans.
 */
export class UpstreamCaller {
  private readonly limiter: BulkheadPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bucket: RateLimiter;
  private readonly observers: UpstreamObserver[] = [];
  /** When the open breaker lets its next probe through (epoch ms). */
  private halfOpenAt = 0;

  constructor(
    readonly provider: Provider,
    readonly sourceId: string,
    readonly policy: UpstreamPolicy,
    /** The provider's error table and reader (its module). */
    private readonly errors: ErrorCatalog,
    private readonly logger: Logger,
    /** The source's rate limit; this process's own token bucket unless the fleet shares one. */
    rateLimiter?: RateLimiter,
  ) {
    this.limiter = bulkhead(policy.maxConcurrency, Number.MAX_SAFE_INTEGER);
    this.bucket = rateLimiter ?? new TokenBucket(policy.rateLimit.perSecond, policy.rateLimit.burst);
    const { failureThreshold, halfOpenAfterMs } = policy.circuitBreaker;
    const halfOpenAfter = new ExponentialBackoff({
      initialDelay: Math.min(FIRST_HALF_OPEN_MS, halfOpenAfterMs),
      maxDelay: halfOpenAfterMs,
      generator: noJitterGenerator,
    });
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof UpstreamError && BREAKER_CODES.has(error.info.code)),
      {
        // The breaker asks for the next delay as it opens: from then on, that is when it will probe.
        halfOpenAfter: reportingDelays(halfOpenAfter, (delayMs) => (this.halfOpenAt = Date.now() + delayMs)),
        breaker: new ConsecutiveBreaker(failureThreshold),
      },
    );
    const report = (state: BreakerState) => () => {
      this.logger.warn({ provider, source: sourceId, breaker: state }, `circuit ${state}`);
      this.emit({ type: 'breaker', provider, source: sourceId, state });
    };
    this.breaker.onBreak(report('open'));
    this.breaker.onHalfOpen(report('half-open'));
    this.breaker.onReset(report('closed'));
  }

  get breakerState(): BreakerState {
    const state = this.breaker.state;
    return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /** How long until the open breaker lets a probe through; 0 when it is not open. */
  private untilHalfOpen(): number {
    return this.breakerState === 'open' ? Math.max(0, this.halfOpenAt - Date.now()) : 0;
  }

  private renewCredential: ((cause: unknown) => boolean) | null = null;

  /**
   * For a credential the adapter can renew (a login token): an auth failure calls `renew` with the
   * error the provider call threw (so that the adapter can tell which credential failed) and, when
   * it renewed, the call is tried once more at once, as a retry that metrics and logs see.
   */
  renewOnAuthFailure(renew: (cause: unknown) => boolean): void {
    this.renewCredential = renew;
  }

  observe(observer: UpstreamObserver): void {
    this.observers.push(observer);
  }

  /** `scope`: the GraphQL request this call serves (its deadline, request id, retry counts); absent outside one. */
  async call<T>(operation: string, fn: () => Promise<T>, scope?: RequestScope): Promise<T> {
    if (scope?.speculative) return this.speculativeCall(operation, fn, scope);
    const deadline = scope?.deadline ?? Date.now() + DEFAULT_DEADLINE_MS;
    const log = scope?.logger ?? this.logger;
    const { maxAttempts } = this.policy.retry;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(operation, fn, deadline, log);
      } catch (error) {
        const failure = error as UpstreamError;
        // Once per call, beyond the retry budget: a renewed credential is a new question, not a repeat.
        const renew: boolean =
          !renewed &&
          failure.info.code === 'UPSTREAM_AUTH_FAILED' &&
          this.renewCredential?.(causes.get(failure)) === true;
        renewed ||= renew;
        const delayMs = renew ? 0 : (failure.info.retryAfterMs ?? this.backoff(attempt));
        const retry =
          renew ||
          (failure.info.retryable &&
            attempt < maxAttempts &&
            this.breakerState === 'closed' &&
            Date.now() + delayMs < deadline);
        if (!retry) throw this.forClient(failure, attempt);
        if (renew) attempt--;
        if (scope) scope.retries.set(this.sourceId, (scope.retries.get(this.sourceId) ?? 0) + 1);
        this.emit({
          type: 'retry',
          provider: this.provider,
          source: this.sourceId,
          operation,
          code: failure.info.code,
          delayMs,
        });
        log.info(
          {
            provider: this.provider,
            source: this.sourceId,
            operation,
            attempt,
            code: failure.info.code,
            delayMs: Math.round(delayMs),
          },
          'upstream call retried',
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /**
   * A prefetch: one attempt with capacity that is free now, or none. It leaves a concurrency slot
   * to clients, takes a rate-limit token only when nobody waits for one, and stays outside the
   * circuit breaker (whose state only clients' calls decide); its failure is its caller's to drop.
   */
  private async speculativeCall<T>(operation: string, fn: () => Promise<T>, scope: RequestScope): Promise<T> {
    const refused = (why: string, reason: UpstreamRefusal = 'NO_FREE_CAPACITY') =>
      this.gatewayError(operation, 'UPSTREAM_THROTTLED', `prefetch not made: ${why}`, { reason });
    try {
      if (this.breakerState !== 'closed') throw refused('the circuit breaker is not closed', 'CIRCUIT_OPEN');
      if (this.limiter.executionSlots <= 1) throw refused('no free concurrency slot');
      if (!(await this.bucket.tryTake())) throw refused('no free rate-limit capacity');
      // Checked again: the token may have taken a moment (shared limiter).
      if (this.limiter.executionSlots <= 1) throw refused('no free concurrency slot');
      return await this.limiter.execute(() => this.timed(operation, fn, scope.deadline, scope.logger));
    } catch (error) {
      throw error instanceof UpstreamError ? this.forClient(error, 1) : error;
    }
  }

  /** Exponential, capped, with full jitter over the upper half so that retries spread out. */
  private backoff(attempt: number): number {
    const ceiling = this.backoffCeiling(attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private backoffCeiling(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.policy.retry;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  }

  /**
   * A failure as it leaves this path: a retryable one says how long to wait before asking again
   * (`retryAfterMs`). That is the wait the failure came with (the provider's, the rate limit's, the
   * breaker's), or else the next step of this path's own backoff after `attempts`; never before an
   * open breaker will let a call through.
   */
  private forClient(failure: UpstreamError, attempts: number): UpstreamError {
    if (!failure.info.retryable) return failure;
    const wait = failure.info.retryAfterMs ?? this.backoffCeiling(attempts + 1);
    const retryAfterMs = Math.ceil(Math.max(wait, this.untilHalfOpen()));
    if (retryAfterMs === failure.info.retryAfterMs) return failure;
    const told = new UpstreamError(failure.message, { ...failure.info, retryAfterMs });
    if (causes.has(failure)) causes.set(told, causes.get(failure));
    return told;
  }

  private async attempt<T>(operation: string, fn: () => Promise<T>, deadline: number, log: Logger): Promise<T> {
    if (Date.now() >= deadline)
      throw this.gatewayError(operation, 'UPSTREAM_TIMEOUT', 'the request deadline passed before the call could start');
    try {
      return await this.breaker.execute(async () => {
        await this.bucket.take(deadline, (waitMs) =>
          this.gatewayError(
            operation,
            'UPSTREAM_THROTTLED',
            "the source's rate limit would delay the call past the request deadline",
            { retryAfterMs: waitMs },
          ),
        );
        return this.limiter.execute(() => this.timed(operation, fn, deadline, log));
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw this.gatewayError(
          operation,
          'UPSTREAM_UNAVAILABLE',
          'the circuit breaker is open after repeated failures; the source is not called until it recovers',
          { reason: 'CIRCUIT_OPEN', retryAfterMs: this.untilHalfOpen() },
        );
      }
      throw error;
    }
  }

  private timed<T>(operation: string, fn: () => Promise<T>, deadline: number, log: Logger): Promise<T> {
    const timeoutMs = Math.min(this.policy.timeoutMs, deadline - Date.now());
    return tracer.startActiveSpan(
      `${this.provider} ${operation}`,
      { attributes: { 'secrets.provider': this.provider, 'secrets.source': this.sourceId, 'rpc.method': operation } },
      async (span) => {
        const started = performance.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          if (timeoutMs <= 0) throw Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
          const result = await Promise.race([
            fn(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
            }),
          ]);
          this.emit({
            type: 'call',
            provider: this.provider,
            source: this.sourceId,
            operation,
            outcome: 'ok',
            code: null,
            durationMs: performance.now() - started,
          });
          span.setStatus({ code: SpanStatusCode.OK });
          return result;
        } catch (error) {
          const mapped = this.mapError(operation, error);
          const durationMs = performance.now() - started;
          this.emit({
            type: 'call',
            provider: this.provider,
            source: this.sourceId,
            operation,
            outcome: 'error',
            code: mapped.info.code,
            durationMs,
          });
          span.setStatus({ code: SpanStatusCode.ERROR, message: mapped.info.code });
          span.setAttribute('secrets.error_code', mapped.info.code);
          if (mapped.info.providerCode) span.setAttribute('secrets.provider_code', mapped.info.providerCode);
          log.warn(
            {
              provider: this.provider,
              source: this.sourceId,
              operation,
              code: mapped.info.code,
              providerCode: mapped.info.providerCode,
              providerRequestId: mapped.info.requestId,
              httpStatus: mapped.info.httpStatus,
              durationMs: Math.round(durationMs),
            },
            'upstream call failed',
          );
          throw mapped;
        } finally {
          clearTimeout(timer);
          span.end();
        }
      },
    );
  }

  /** A provider's failure outside a call (one item of a batch answer), as clients get it. */
  toUpstreamError(operation: string, error: unknown): UpstreamError {
    return this.forClient(this.mapError(operation, error), 1);
  }

  private mapError(operation: string, error: unknown): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const raw = readProviderError(error, this.errors.readError);
    const code = classify(raw, this.errors.errorCodes);
    const detail = raw.message ?? (raw.transport ? TRANSPORT_TEXT[raw.transport] : 'unexpected failure');
    const message = redact(`${this.provider} ${operation} failed for source "${this.sourceId}": ${detail}`);
    const mapped = new UpstreamError(message, {
      code,
      provider: this.provider,
      providerName: this.errors.name,
      source: this.sourceId,
      operation,
      providerCode: raw.providerCode,
      requestId: raw.requestId,
      httpStatus: raw.httpStatus,
      retryable: isRetryable(code),
      retryAfterMs: raw.retryAfterMs,
    });
    causes.set(mapped, error);
    return mapped;
  }

  /** Failures the gateway decides on itself, before or instead of a provider answer. */
  private gatewayError(
    operation: string,
    code: UpstreamErrorCode,
    why: string,
    refusal: Pick<UpstreamErrorInfo, 'reason' | 'retryAfterMs'> = {},
  ): UpstreamError {
    return new UpstreamError(`${this.provider} ${operation} for source "${this.sourceId}" not made: ${why}`, {
      code,
      provider: this.provider,
      providerName: this.errors.name,
      source: this.sourceId,
      operation,
      providerCode: null,
      requestId: null,
      httpStatus: null,
      retryable: code !== 'UPSTREAM_TIMEOUT',
      ...refusal,
    });
  }

  private emit(event: UpstreamEvent): void {
    for (const observer of this.observers) observer(event);
  }
}

/** A backoff that reports each delay it hands out: cockatiel keeps an open breaker's delay to itself. */
function reportingDelays<C>(backoff: IBackoffFactory<C>, report: (delayMs: number) => void): IBackoffFactory<C> {
  return {
    next(context) {
      const step = backoff.next(context);
      report(step.duration);
      return { duration: step.duration, next: reportingDelays(step, report).next };
    },
  };
}

const TRANSPORT_TEXT = {
  refused: 'connection refused',
  reset: 'connection reset',
  timeout: 'timed out',
  'bad-body': 'response body was not valid JSON',
} as const;
