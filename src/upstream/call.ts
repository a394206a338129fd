import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import type { Logger } from '../logger.js';
import type { Provider } from '../sources/types.js';
import { classify, isRetryable, readProviderError, UpstreamError, type ErrorCodeTable } from './errors.js';
import { redact } from './redact.js';

export interface UpstreamPolicy {
  /** Calls in flight at once for this source, across all requests. */
  maxConcurrency: number;
  /** Per-call timeout handed to the SDK client. */
  timeoutMs: number;
}

export interface UpstreamCallEvent {
  provider: Provider;
  source: string;
  operation: string;
  outcome: 'ok' | 'error';
  code: string | null;
  durationMs: number;
}

export type UpstreamObserver = (event: UpstreamCallEvent) => void;

/**
 * The one path every provider call takes. Policy (concurrency now; retries, rate limits and the
 * circuit breaker as they come), error classification, redaction, logging and metrics all wrap
 * here, so adapters only say what to call.
 */
export class UpstreamCaller {
  private readonly limiter: BulkheadPolicy;
  private readonly observers: UpstreamObserver[] = [];

  constructor(
    readonly provider: Provider,
    readonly sourceId: string,
    readonly policy: UpstreamPolicy,
    private readonly errorTable: ErrorCodeTable,
    private readonly logger: Logger,
  ) {
    this.limiter = bulkhead(policy.maxConcurrency, Number.MAX_SAFE_INTEGER);
  }

  observe(observer: UpstreamObserver): void {
    this.observers.push(observer);
  }

  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return this.limiter.execute(async () => {
      const started = performance.now();
      try {
        const result = await fn();
        this.emit({ operation, outcome: 'ok', code: null, durationMs: performance.now() - started });
        return result;
      } catch (error) {
        const mapped = this.toUpstreamError(operation, error);
        const durationMs = performance.now() - started;
        this.emit({ operation, outcome: 'error', code: mapped.info.code, durationMs });
        this.logger.warn(
          { provider: this.provider, source: this.sourceId, operation, code: mapped.info.code, providerCode: mapped.info.providerCode, requestId: mapped.info.requestId, httpStatus: mapped.info.httpStatus, durationMs: Math.round(durationMs) },
          'upstream call failed',
        );
        throw mapped;
      }
    });
  }

  toUpstreamError(operation: string, error: unknown): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const raw = readProviderError(error);
    const code = classify(raw, this.errorTable);
    const detail = raw.message ?? (raw.transport ? TRANSPORT_TEXT[raw.transport] : 'unexpected failure');
    const message = redact(`${this.provider} ${operation} failed for source "${this.sourceId}": ${detail}`);
    return new UpstreamError(message, {
      code,
      provider: this.provider,
      source: this.sourceId,
      operation,
      providerCode: raw.providerCode,
      requestId: raw.requestId,
      httpStatus: raw.httpStatus,
      retryable: isRetryable(code),
    });
  }

  private emit(event: Omit<UpstreamCallEvent, 'provider' | 'source'>): void {
    for (const observer of this.observers) observer({ ...event, provider: this.provider, source: this.sourceId });
  }
}

const TRANSPORT_TEXT = {
  refused: 'connection refused',
  reset: 'connection reset',
  timeout: 'timed out',
  'bad-body': 'response body was not valid JSON',
} as const;
