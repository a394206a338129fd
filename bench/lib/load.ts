import autocannon from 'autocannon';
import { requestHeaders } from './graphql.js';

export interface LoadResult {
  connections: number;
  durationS: number;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts, non-2xx answers and bodies with GraphQL errors. */
  errors: number;
}

/** Drives `url` with autocannon: every connection replays `bodies` in order (a walk is one cycle). */
export async function load(
  url: string,
  bodies: string[],
  options: { connections: number; durationS: number; timeoutS?: number; overallRate?: number },
): Promise<LoadResult> {
  const target = new URL(url);
  const headers = requestHeaders();
  const result = await autocannon({
    url: target.origin,
    connections: options.connections,
    duration: options.durationS,
    timeout: options.timeoutS ?? 30,
    // A fixed rate over all connections (requests per second) instead of as fast as answers come.
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    requests: bodies.map((body) => ({ method: 'POST', path: target.pathname, headers, body })),
    // A response with errors is a failure, not a fast success.
    verifyBody: (body) => typeof body === 'string' && body.startsWith('{"data"') && !body.includes('"errors":'),
  });
  const requests = result.requests.total;
  const durationS = result.duration;
  return {
    connections: options.connections,
    durationS,
    requests,
    perSecond: requests / durationS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}
