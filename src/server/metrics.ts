import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RedisLink } from '../redis/link.js';
import type { SourceRegistry } from '../sources/registry.js';

const BREAKER_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Prometheus metrics on `/metrics`: GraphQL operations (yoga's plugin) and what the gateway does to
 * each cloud (calls by outcome, latency, retries, throttles, breaker state), in one registry per
 * gateway instance.
 */
export function createMetrics(sources: SourceRegistry, redis?: RedisLink): { registry: Registry; plugin: Plugin } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'secrets_gateway_' });
  const labels = ['provider', 'source', 'operation'] as const;
  const calls = new Counter({
    name: 'secrets_gateway_upstream_calls_total',
    help: 'Upstream calls by outcome and gateway error code',
    labelNames: [...labels, 'outcome', 'code'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'secrets_gateway_upstream_call_duration_seconds',
    help: 'Upstream call latency',
    labelNames: [...labels, 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'secrets_gateway_upstream_retries_total',
    help: 'Upstream retries by the error that caused them',
    labelNames: [...labels, 'code'],
    registers: [registry],
  });
  const throttles = new Counter({
    name: 'secrets_gateway_upstream_throttled_total',
    help: 'Upstream calls answered with throttling (or held back by the rate limit)',
    labelNames: [...labels],
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'secrets_gateway_upstream_circuit_state',
    help: 'Circuit breaker per source: 0 closed, 1 half-open, 2 open',
    labelNames: ['provider', 'source'],
    registers: [registry],
  });

  if (redis) {
    const up = new Gauge({
      name: 'secrets_gateway_redis_up',
      help: 'Whether the shared state on Redis is reachable (1) or this replica runs on its own (0)',
      registers: [registry],
      collect() {
        this.set(redis.up ? 1 : 0);
      },
    });
    const fallbacks = new Counter({
      name: 'secrets_gateway_redis_fallbacks_total',
      help: 'Operations served from local state because Redis did not answer, by component',
      labelNames: ['component'],
      registers: [registry],
    });
    redis.onFallback((component) => fallbacks.inc({ component }));
  }

  for (const [sourceId, caller] of sources.callers) {
    breaker.set({ provider: caller.provider, source: sourceId }, BREAKER_VALUE[caller.breakerState]);
    caller.observe((event) => {
      if (event.type === 'breaker') {
        breaker.set({ provider: event.provider, source: event.source }, BREAKER_VALUE[event.state]);
        return;
      }
      const base = { provider: event.provider, source: event.source, operation: event.operation };
      if (event.type === 'retry') {
        retries.inc({ ...base, code: event.code });
        return;
      }
      calls.inc({ ...base, outcome: event.outcome, code: event.code ?? 'OK' });
      duration.observe({ ...base, outcome: event.outcome }, event.durationMs / 1000);
      if (event.code === 'UPSTREAM_THROTTLED') throttles.inc(base);
    });
  }

  const plugin = usePrometheus({
    registry,
    endpoint: '/metrics',
    // The plugin labels HTTP durations with the request's whole URL, query string and Host header
    // included: a series per GET query (or per Host a proxy passes on), without bound.
    labels: { url: false },
    // The plugin's defaults turn on everything; these are the ones worth their cost per request.
    // (The deprecated-field counter alone walked every document with a TypeInfo, per request.)
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_envelop_error_result: true,
      graphql_envelop_phase_execute: true,
      graphql_yoga_http_duration: true,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_execute_resolver: false,
      graphql_envelop_schema_change: false,
    },
  });
  return { registry, plugin };
}
