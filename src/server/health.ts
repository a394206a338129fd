import type { Plugin } from 'graphql-yoga';
import type { RedisLink } from '../redis/link.js';
import type { SourceRegistry } from '../sources/registry.js';

/**
 * `/readyz` for Kubernetes readiness: 200 while the gateway takes traffic, with each source's
 * breaker state ("degraded" when some breaker is open: the other sources still answer), and 503
 * once shutdown has begun, so that the load balancer stops sending requests before the drain.
 * `/healthz` (yoga's health check) only says the process is up. With Redis configured, `redis`
 * says whether the fleet's shared state is reachable; while it is not, the replica answers from
 * its own limits and caches and reports "degraded" (still 200: it serves).
 */
export function useReadiness(sources: SourceRegistry, isDraining: () => boolean, redis?: RedisLink): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/readyz') return;
      const states = [...sources.callers].map(([id, caller]) => ({
        id,
        provider: caller.provider,
        breaker: caller.breakerState,
      }));
      const redisState = redis && {
        state: redis.state,
        shared: redis.up
          ? 'rate limits and caches shared by the fleet'
          : 'local rate limits and caches until redis returns',
      };
      const status = isDraining()
        ? 'draining'
        : states.some((s) => s.breaker !== 'closed') || redisState?.state === 'down'
          ? 'degraded'
          : 'ready';
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({ status, sources: states, ...(redisState ? { redis: redisState } : {}) }),
          {
            status: status === 'draining' ? 503 : 200,
            headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
          },
        ),
      );
    },
  };
}
