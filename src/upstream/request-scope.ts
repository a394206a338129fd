import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from '../logger.js';

/**
 * What the upstream path needs to know about the GraphQL request it serves, without threading it
 * through every adapter: the deadline, the request id for log lines, and what happened per source.
 */
export interface RequestScope {
  requestId: string;
  /** Epoch ms after which no call is started and no retry waited for. */
  deadline: number;
  logger: Logger;
  /** Retries made per source in this request: a source that needed them is reported DEGRADED. */
  retries: Map<string, number>;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

export function currentScope(): RequestScope | undefined {
  return requestScope.getStore();
}
