import type { Plugin } from 'graphql-yoga';
import type { SourceRegistry } from '../sources/registry.js';

/**
 * `/readyz` for Kubernetes readiness: 200 while the gateway takes traffic, with each source's
 * breaker state ("degraded" when some breaker is open: the other sources still answer), and 503
 * once shutdown has begun, so that the load balancer stops sending requests before the drain.
 * `/healthz` (yoga's health check) only says the process is up.
 */
export function useReadiness(sources: SourceRegistry, isDraining: () => boolean): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/readyz') return;
      const states = [...sources.callers].map(([id, caller]) => ({ id, provider: caller.provider, breaker: caller.breakerState }));
      const status = isDraining() ? 'draining' : states.some((s) => s.breaker !== 'closed') ? 'degraded' : 'ready';
      endResponse(
        new fetchAPI.Response(JSON.stringify({ status, sources: states }), {
          status: status === 'draining' ? 503 : 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
