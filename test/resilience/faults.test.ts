import { InMemorySpanExporter, BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SaeSecretsWithDataKeysDocument,
  SecretsPageDocument,
  type SecretFilter,
  type SecretsPageQuery,
} from '../generated/graphql.js';
import { expectedKeys, keyOfGlobalId, SOURCE, type ProviderKey, DEMO_SOURCE_COUNT } from '../helpers/expected.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

const PROVIDERS: ProviderKey[] = ['sae', 'apig', 'kms', 'csms'];
const MAX_ATTEMPTS = 6;

async function walk(stack: Stack, filter: SecretFilter, first: number): Promise<{ keys: string[]; degraded: boolean }> {
  const keys: string[] = [];
  let degraded = false;
  let after: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const data: SecretsPageQuery = expectData(await stack.execute(SecretsPageDocument, { first, after, filter }));
    keys.push(...data.secrets.edges.map((e) => keyOfGlobalId(e.node.id)));
    degraded ||= data.secrets.sourceStates.some((s) => s.status === 'DEGRADED');
    if (!data.secrets.pageInfo.hasNextPage) return { keys, degraded };
    after = data.secrets.pageInfo.endCursor ?? null;
  }
  throw new Error('walk did not end');
}

async function metric(stack: Stack, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${stack.server.url}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('throttling and server errors on every provider', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources)
          source.retry = { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 2, maxDelayMs: 20 };
      },
    });
  });
  afterAll(() => stack.close());

  it('20% throttling and 5% 5xx: full walks lose and repeat nothing, and retries stay within the policy', async () => {
    const retriesBefore = await metric(stack, 'secrets_gateway_upstream_retries_total');
    for (const server of Object.values(stack.emulators.servers))
      server.setFaults({ throttleRate: 0.2, serverErrorRate: 0.05 });
    stack.resetCounters();
    let degradedWalks = 0;
    for (const provider of PROVIDERS) {
      for (const first of [100, 7]) {
        const { keys, degraded } = await walk(stack, { sources: [SOURCE[provider]] }, first);
        expect(keys).toEqual(expectedKeys(stack.emulators, provider));
        if (degraded) degradedWalks++;
      }
    }
    // Pages that needed retries say so in sourceStates.
    expect(degradedWalks).toBeGreaterThan(0);
    for (const provider of PROVIDERS) {
      const { operations } = stack.emulators.servers[provider].getStats();
      expect(
        Object.values(operations).reduce((n, s) => n + s.failed, 0),
        provider,
      ).toBeGreaterThan(0);
      for (const [operation, stats] of Object.entries(operations)) {
        // Every failure was retried, and no call was tried more often than the policy allows.
        expect(stats.calls, `${provider} ${operation}`).toBe(stats.ok + stats.failed);
        expect(stats.failed, `${provider} ${operation}`).toBeLessThanOrEqual(stats.ok * (MAX_ATTEMPTS - 1));
      }
    }
    expect(await metric(stack, 'secrets_gateway_upstream_retries_total')).toBeGreaterThan(retriesBefore);
    expect(await metric(stack, 'secrets_gateway_upstream_throttled_total')).toBeGreaterThan(0);
    for (const server of Object.values(stack.emulators.servers))
      server.setFaults({ throttleRate: 0, serverErrorRate: 0 });
  });
});

describe('a source that hangs', () => {
  let stack: Stack;
  const DEADLINE_MS = 1500;
  beforeAll(async () => {
    stack = await startStack({ configure: (config) => void (config.server.requestDeadlineMs = DEADLINE_MS) });
  });
  afterAll(() => stack.close());

  it("the query returns by its deadline with the other sources' data and a typed error for the hung one", async () => {
    stack.emulators.servers.csms.setFaults({ hang: true });
    const started = Date.now();
    const response = await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: { ...stack.authHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{
          kms: secrets(first: 50, filter: { sources: ["${SOURCE.kms}"] }) { nodes { name } }
          csms: secrets(first: 50, filter: { sources: ["${SOURCE.csms}"] }) { nodes { name } sourceStates { source status code } }
        }`,
      }),
    });
    const result = (await response.json()) as {
      data: any;
      errors?: Array<{ path: string[]; extensions: Record<string, unknown> }>;
    };
    const elapsed = Date.now() - started;
    stack.emulators.servers.csms.setFaults({ hang: false });
    expect(response.status).toBe(200);
    expect(elapsed).toBeLessThan(DEADLINE_MS * 3);
    expect(result.data.kms.nodes).toHaveLength(50);
    expect(result.data.csms.nodes).toHaveLength(0);
    expect(result.data.csms.sourceStates).toEqual([
      { source: SOURCE.csms, status: 'FAILED', code: 'UPSTREAM_TIMEOUT' },
    ]);
    const error = result.errors?.find((e) => e.extensions?.source === SOURCE.csms);
    expect(error?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', provider: 'HUAWEI_CSMS' });
    expect(error?.path).toEqual(['csms']);
  });
});

describe('circuit breaker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        const apig = config.sources.find((s) => s.id === SOURCE.apig)!;
        apig.circuitBreaker = { failureThreshold: 3, halfOpenAfterMs: 400 };
        apig.retry = { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 };
      },
    });
  });
  afterAll(() => stack.close());

  const readiness = async () =>
    (await (await fetch(`${stack.server.url}/readyz`)).json()) as {
      status: string;
      sources: Array<{ id: string; breaker: string }>;
    };
  const apigPage = () => stack.execute(SecretsPageDocument, { first: 5, filter: { sources: [SOURCE.apig] } });

  it('opens under repeated failures, stops calling the source, and closes after it recovers', async () => {
    stack.emulators.servers.apig.setFaults({ serverErrorRate: 1 });
    for (let i = 0; i < 3; i++) expect((await apigPage()).errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect((await readiness()).sources.find((s) => s.id === SOURCE.apig)?.breaker).toBe('open');
    expect((await readiness()).status).toBe('degraded');
    expect(await metric(stack, 'secrets_gateway_upstream_circuit_state', { source: SOURCE.apig })).toBe(2);

    const callsWhileOpen = stack.calls('apig', 'ListSecrets');
    const rejected = await apigPage();
    expect(rejected.errors?.[0].extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
      providerCode: null,
    });
    expect(rejected.errors?.[0].message).toMatch(/circuit breaker is open/);
    expect(stack.calls('apig', 'ListSecrets')).toBe(callsWhileOpen);

    stack.emulators.servers.apig.setFaults({ serverErrorRate: 0 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(expectData(await apigPage()).secrets.edges).toHaveLength(5);
    expect(stack.calls('apig', 'ListSecrets')).toBe(callsWhileOpen + 1);
    expect((await readiness()).status).toBe('ready');
  });

  it('/healthz and /readyz answer for probes', async () => {
    expect((await fetch(`${stack.server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { sources: unknown[] }).sources).toHaveLength(DEMO_SOURCE_COUNT);
  });
});

describe('concurrency and rate limits', () => {
  const LIMIT = 3;
  const RATE = 40;
  const BURST = 5;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        const sae = config.sources.find((s) => s.id === SOURCE.sae)!;
        sae.maxConcurrency = LIMIT;
        sae.rateLimit = { perSecond: RATE, burst: BURST };
      },
    });
  });
  afterAll(() => stack.close());
  afterEach(() => stack.emulators.servers.sae.setFaults({ latencyMs: 0 }));

  it('the emulator never sees more calls at once, or per second, than configured', async () => {
    stack.emulators.servers.sae.setFaults({ latencyMs: 30 });
    stack.resetCounters();
    // Two concurrent requests, 60 detail calls in all.
    await Promise.all([
      stack.execute(SaeSecretsWithDataKeysDocument, {
        first: 30,
        filter: { sources: [SOURCE.sae], namespaces: ['cn-hangzhou'] },
      }),
      stack.execute(SaeSecretsWithDataKeysDocument, {
        first: 30,
        filter: { sources: [SOURCE.sae], namespaces: ['cn-hangzhou:prod'] },
      }),
    ]).then((results) => {
      for (const r of results) expectData(r);
    });
    const stats = stack.emulators.servers.sae.getStats();
    expect(stats.maxInFlight).toBeLessThanOrEqual(LIMIT);
    expect(stats.maxInFlight).toBeGreaterThan(1);
    const times = stats.callTimes;
    expect(times.length).toBeGreaterThanOrEqual(60);
    // Token bucket: any window of W ms holds at most BURST + RATE·W/1000 calls (+1 for clock granularity).
    // Times are taken where the calls arrive: a busy machine can delay one call's delivery and
    // bunch it with the next, so the window is widened by that delivery jitter (one token's worth).
    const JITTER_MS = 1000 / RATE;
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++)
        expect(j - i + 1).toBeLessThanOrEqual(BURST + (RATE * (times[j] - times[i] + JITTER_MS)) / 1000 + 1);
    }
  });
});

describe('observability', () => {
  let stack: Stack;
  const exporter = new InMemorySpanExporter();
  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    stack = await startStack();
  });
  afterAll(async () => {
    trace.disable();
    await stack.close();
  });

  it('/metrics shows upstream calls move, and every request gets a request id', async () => {
    const before = await metric(stack, 'secrets_gateway_upstream_calls_total', {
      source: SOURCE.kms,
      operation: 'ListSecrets',
      outcome: 'ok',
    });
    const response = await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: { ...stack.authHeaders, 'content-type': 'application/json', 'x-request-id': 'portal-req-42' },
      body: JSON.stringify({
        query: `{ secrets(first: 3, filter: { sources: ["${SOURCE.kms}"] }) { nodes { name } } }`,
      }),
    });
    expect(response.headers.get('x-request-id')).toBe('portal-req-42');
    expect(
      await metric(stack, 'secrets_gateway_upstream_calls_total', {
        source: SOURCE.kms,
        operation: 'ListSecrets',
        outcome: 'ok',
      }),
    ).toBe(before + 1);
    expect(
      await metric(stack, 'secrets_gateway_upstream_call_duration_seconds_count', { source: SOURCE.kms }),
    ).toBeGreaterThan(0);
    expect(await metric(stack, 'graphql_envelop_request')).toBeGreaterThan(0);
    const fresh = await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: { ...stack.authHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ sources { id } }' }),
    });
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('log lines of a request carry its request id', async () => {
    stack.emulators.providers.kms.failNext('Forbidden.NoPermission');
    await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: { ...stack.authHeaders, 'content-type': 'application/json', 'x-request-id': 'trace-me-7' },
      body: JSON.stringify({
        query: `{ secrets(first: 3, filter: { sources: ["${SOURCE.kms}"] }) { nodes { name } } }`,
      }),
    });
    const line = stack.logs.find((l) => l.includes('upstream call failed') && l.includes('Forbidden.NoPermission'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!).requestId).toBe('trace-me-7');
  });

  it('upstream calls are traced as spans when a tracer is configured', async () => {
    exporter.reset();
    expectData(await stack.execute(SecretsPageDocument, { first: 2, filter: { sources: [SOURCE.apig] } }));
    const span = exporter.getFinishedSpans().find((s) => s.name === 'alibaba-apig ListSecrets');
    expect(span?.attributes).toMatchObject({ 'secrets.provider': 'alibaba-apig', 'secrets.source': SOURCE.apig });
  });
});
