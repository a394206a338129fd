import type { Logger } from '../logger.js';

/**
 * What the upstream path needs to know about the GraphQL request it serves: the deadline, the
 * request id for log lines, and what happened per source. Made with the request's context and
 * handed explicitly from its loaders to every provider call (`UpstreamCaller.call`); explicit
 * because AsyncLocalStorage made every promise of a request pay for async hooks (~8% of the
 * gateway's CPU per request, BENCHMARKS.md).
 */
export interface RequestScope {
  requestId: string;
  /** Epoch ms after which no call is started and no retry waited for. */
  deadline: number;
  logger: Logger;
  /** Retries made per source in this request: a source that needed them is reported DEGRADED. */
  retries: Map<string, number>;
  /**
   * A read ahead of the client (prefetch): made only with capacity that is free (a rate-limit token
   * and a concurrency slot nobody waits for), once, without retries, and outside the circuit breaker,
   * so that it never delays, fails or changes what a client is answered.
   */
  speculative?: boolean;
}
