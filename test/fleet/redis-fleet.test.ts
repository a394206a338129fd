import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { post } from '../auth/helpers.js';
import { SOURCE } from '../helpers/expected.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Replica, type Stack } from '../helpers/stack.js';
import type { ProvidersConfig } from '../../src/providers/index.js';

/**
 * Two replicas of the gateway on one set of emulators (one cloud account) and one real Redis:
 * they share the account's quota, the metadata cache and the response cache, and keep answering
 * on their own when Redis goes away.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Body = Awaited<ReturnType<typeof post>>['body'];

function useRedis(config: ProvidersConfig, redis: RedisServer, keyPrefix: string, commandTimeoutMs = 250): void {
  config.redis = { url: redis.url, keyPrefix, commandTimeoutMs };
}

/** Calls the emulator received per window of the clock, as a per-minute quota counts them. */
function callsPerWindow(callTimes: number[], windowMs: number): number[] {
  const windows = new Map<number, number>();
  for (const at of callTimes) windows.set(Math.floor(at / windowMs), (windows.get(Math.floor(at / windowMs)) ?? 0) + 1);
  return [...windows.values()];
}

/** Start right after a window edge, so that a window's calls are not split by the clock. */
async function atWindowStart(windowMs: number): Promise<void> {
  await sleep(windowMs - (Date.now() % windowMs) + 5);
}

async function readyz(url: string): Promise<{ status: string; redis?: { state: string } }> {
  return (await (await fetch(`${url}/readyz`)).json()) as { status: string; redis?: { state: string } };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

describe('one quota for the fleet', () => {
  const QUOTA = { calls: 10, windowMs: 1000 };
  // One SAE call per request: the namespace list (the embedded config discovers namespaces).
  const oneCall = '{ namespaces(sources: ["sae-demo"]) { id } }';

  async function burst(a: string, b: string, headers: Record<string, string>, perReplica: number) {
    const all = await Promise.all([
      ...Array.from({ length: perReplica }, () => post(a, { query: oneCall }, headers)),
      ...Array.from({ length: perReplica }, () => post(b, { query: oneCall }, headers)),
    ]);
    return all;
  }

  it('two replicas under concurrent load stay within one quota per window, and every request is answered', async () => {
    const stack = await startStack({
      configure: (config) => {
        // What is measured is the shared quota: a Redis slowed past 250 ms by a loaded machine would
        // hand the limit to each replica alone (by design, tested below), which is another test.
        useRedis(config, redis, 'quota-test:', 2000);
        config.sources.find((s) => s.id === SOURCE.sae)!.rateLimit = { perSecond: QUOTA.calls, burst: QUOTA.calls };
      },
    });
    try {
      const b = await stack.replica();
      // First requests compile the document and open connections: paid before the measured run.
      await burst(stack.server.url, b.server.url, stack.authHeaders, 1);
      stack.resetCounters();
      stack.emulators.servers.sae.setFaults({ quota: QUOTA });
      await atWindowStart(QUOTA.windowMs);
      const started = Date.now();
      const responses = await burst(stack.server.url, b.server.url, stack.authHeaders, 25);
      const elapsed = Date.now() - started;
      expect(responses.every((r) => r.status === 200 && !r.body?.errors && r.body?.data?.namespaces.length > 0)).toBe(
        true,
      );
      const stats = stack.emulators.servers.sae.getStats();
      const perWindow = callsPerWindow(stats.callTimes, QUOTA.windowMs);
      console.log(
        `fleet quota: 2 replicas x 25 requests, ${stats.callTimes.length} calls in ${elapsed} ms; calls per ${QUOTA.windowMs} ms window: [${perWindow.join(', ')}] against a quota of ${QUOTA.calls}; throttled by the cloud: ${stats.operations.DescribeNamespaceList?.throttled ?? 0}`,
      );
      const fellBack =
        (await metric(stack.server.url, 'secrets_gateway_redis_fallbacks_total')) +
        (await metric(b.server.url, 'secrets_gateway_redis_fallbacks_total'));
      expect(fellBack, 'the replicas fell back to local limits').toBe(0);
      expect(stats.callTimes).toHaveLength(50);
      expect(Math.max(...perWindow)).toBeLessThanOrEqual(QUOTA.calls);
      expect(stats.operations.DescribeNamespaceList.throttled).toBe(0);
      // 50 calls at 10 a window need five windows: the limit really held them back.
      expect(perWindow.length).toBeGreaterThanOrEqual(5);
    } finally {
      await stack.close();
    }
  });

  it('without Redis each replica spends the quota on its own, and the cloud throttles (the failure the shared limit prevents)', async () => {
    const stack = await startStack({
      configure: (config) => {
        config.sources.find((s) => s.id === SOURCE.sae)!.rateLimit = { perSecond: QUOTA.calls, burst: QUOTA.calls };
        config.sources.find((s) => s.id === SOURCE.sae)!.retry = { maxAttempts: 1, baseDelayMs: 100, maxDelayMs: 100 };
      },
    });
    try {
      const b = await stack.replica();
      await burst(stack.server.url, b.server.url, stack.authHeaders, 1);
      stack.resetCounters();
      stack.emulators.servers.sae.setFaults({ quota: QUOTA });
      await atWindowStart(QUOTA.windowMs);
      await burst(stack.server.url, b.server.url, stack.authHeaders, 10);
      const stats = stack.emulators.servers.sae.getStats();
      const perWindow = callsPerWindow(stats.callTimes, QUOTA.windowMs);
      console.log(
        `local limits only: calls per window [${perWindow.join(', ')}] against a quota of ${QUOTA.calls}; throttled by the cloud: ${stats.operations.DescribeNamespaceList.throttled}`,
      );
      // Both replicas spend their own burst of 10 at once (exactly 20 in one window unless the machine stalls).
      expect(Math.max(...perWindow)).toBeGreaterThan(QUOTA.calls);
      expect(stats.operations.DescribeNamespaceList.throttled).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });
});

describe('one cache for the fleet', () => {
  let stack: Stack;
  let b: Replica;
  let kmsOnly: Record<string, string>;
  const page = (source: string, first = 20) =>
    `{ secrets(first: ${first}, filter: { sources: ["${source}"] }) { totalCount nodes { id name } } }`;
  const upstream = () =>
    (['sae', 'apig', 'kms', 'csms'] as const).reduce(
      (n, p) => n + stack.emulators.servers[p].getStats().callTimes.length,
      0,
    );

  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        useRedis(config, redis, 'cache-test:');
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 60_000, readAhead: true };
      },
    });
    b = await stack.replica();
    kmsOnly = {
      authorization: `Bearer ${stack.token({ subject: 'kms-team', scopes: ['secrets:read'], sources: [SOURCE.kms] })}`,
    };
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    await stack.gateway.services.cache.clear();
    stack.resetCounters();
  });

  it('a page read through replica A costs replica B zero calls, for the same credential and for another grant', async () => {
    const first = await post(stack.server.url, { query: page(SOURCE.kms) }, stack.authHeaders);
    expect(first.body?.errors).toBeUndefined();
    const readByA = upstream();
    expect(readByA).toBeGreaterThan(0);
    stack.resetCounters();
    const sameCredential = await post(b.server.url, { query: page(SOURCE.kms) }, stack.authHeaders);
    const otherGrant = await post(b.server.url, { query: page(SOURCE.kms) }, kmsOnly);
    expect(sameCredential.body).toEqual(first.body);
    expect(otherGrant.body).toEqual(first.body);
    console.log(
      `shared cache: replica A made ${readByA} calls for a KMS page; replica B then made ${upstream()} (same token, and a narrower grant)`,
    );
    expect(upstream()).toBe(0);
  });

  it('read-ahead on one replica serves the walk on the other: a walk split across replicas costs each KMS page once', async () => {
    const walkPage =
      'query ($after: String) { secrets(first: 100, after: $after, filter: { sources: ["kms-demo"] }) { pageInfo { hasNextPage endCursor } nodes { id } } }';
    const pages = Math.ceil(stack.emulators.data.kms.secrets.length / 100);
    const settled = () =>
      Promise.all([stack.gateway.services.cache.prefetchesSettled(), b.gateway.services.cache.prefetchesSettled()]);
    const first = await post(stack.server.url, { query: walkPage }, stack.authHeaders);
    const second = await post(
      stack.server.url,
      { query: walkPage, variables: { after: first.body?.data?.secrets.pageInfo.endCursor } },
      stack.authHeaders,
    );
    await settled();
    // Replica A's second page (a walk now) read the rest of the KMS pages ahead, into Redis.
    expect(stack.calls('kms', 'ListSecrets')).toBe(pages);
    let rows = (first.body?.data?.secrets.nodes.length ?? 0) + (second.body?.data?.secrets.nodes.length ?? 0);
    let after = second.body?.data?.secrets.pageInfo.endCursor;
    for (let more = second.body?.data?.secrets.pageInfo.hasNextPage; more; ) {
      const next = await post(b.server.url, { query: walkPage, variables: { after } }, stack.authHeaders);
      expect(next.body?.errors).toBeUndefined();
      rows += next.body?.data?.secrets.nodes.length ?? 0;
      ({ hasNextPage: more, endCursor: after } = next.body?.data?.secrets.pageInfo ?? {});
    }
    await settled();
    expect(rows).toBe(stack.emulators.data.kms.secrets.length);
    expect(stack.calls('kms', 'ListSecrets')).toBe(pages);
  });

  it('concurrent misses on both replicas make one call (single-flight across the fleet)', async () => {
    stack.emulators.servers.apig.setFaults({ latencyMs: 150 });
    try {
      const tokens = Array.from({ length: 4 }, (_, i) => ({
        authorization: `Bearer ${stack.token({ subject: `caller-${i}`, scopes: ['secrets:read'] })}`,
      }));
      const results = await Promise.all(
        tokens.flatMap((headers) => [
          post(stack.server.url, { query: page(SOURCE.apig, 50) }, headers),
          post(b.server.url, { query: page(SOURCE.apig, 50) }, headers),
        ]),
      );
      for (const result of results) expect(result.body).toEqual(results[0].body);
      expect(results[0].body?.data?.secrets.nodes).toHaveLength(50);
      expect(stack.calls('apig', 'ListSecrets')).toBe(1);
    } finally {
      stack.emulators.servers.apig.setFaults({ latencyMs: 0 });
    }
  });

  it('serves stale on one replica while the other refreshes, with one refresh call', async () => {
    const short = await startStack({
      configure: (config) => {
        useRedis(config, redis, 'stale-test:');
        for (const source of config.sources) source.cache = { ttlMs: 200, staleMs: 60_000, readAhead: true };
      },
    });
    try {
      const other = await short.replica();
      const query = { query: page(SOURCE.kms) };
      const first = await post(short.server.url, query, short.authHeaders);
      expect(short.calls('kms', 'ListSecrets')).toBe(1);
      await sleep(300);
      short.emulators.servers.kms.setFaults({ latencyMs: 1000 });
      const startedAt = Date.now();
      // Different credentials: the response cache cannot answer, the metadata cache must.
      const stale = await Promise.all([
        post(short.server.url, query, { authorization: `Bearer ${short.token({ subject: 'x' })}` }),
        post(other.server.url, query, { authorization: `Bearer ${short.token({ subject: 'y' })}` }),
      ]);
      // Answered from the stale entry, without waiting for the slow refresh.
      expect(Date.now() - startedAt).toBeLessThan(1000);
      for (const s of stale) expect(s.body).toEqual(first.body);
      await sleep(1300);
      expect(short.calls('kms', 'ListSecrets')).toBe(2);
    } finally {
      await short.close();
    }
  });

  it('Redis holds what the clouds were asked, never who asked, and never a secret value', async () => {
    const revealer = {
      authorization: `Bearer ${stack.token({ subject: 'revealer', scopes: ['secrets:read', 'secrets:reveal'] })}`,
    };
    const reveal = `{ secrets(first: 100) { nodes { name
      ... on SaeSecret { data { key value } dataKeys } ... on ApigSecret { value { secretData } }
      ... on KmsSecret { arn value { secretData } } ... on CsmsSecret { autoRotation value { secretString secretBinary } } } } }`;
    const values: string[] = [];
    for (const replica of [stack.server.url, b.server.url]) {
      for (const source of Object.values(SOURCE)) {
        const result = await post(
          replica,
          { query: reveal.replace('secrets(first: 100)', `secrets(first: 100, filter: { sources: ["${source}"] })`) },
          revealer,
        );
        expect(result.body?.errors).toBeUndefined();
        for (const node of result.body?.data?.secrets.nodes ?? []) {
          for (const entry of node.data ?? []) values.push(entry.value);
          if (node.value)
            values.push(
              ...Object.values(node.value as Record<string, string | null>).filter(
                (v): v is string => typeof v === 'string',
              ),
            );
        }
      }
    }
    const distinct = [...new Set(values.filter((v) => v.length >= 8))];
    expect(distinct.length).toBeGreaterThan(100);
    // Metadata queries by the same caller fill the response cache too.
    expect((await post(stack.server.url, { query: page(SOURCE.sae) }, revealer)).body?.errors).toBeUndefined();
    expect((await post(stack.server.url, { query: page(SOURCE.sae) }, revealer)).body?.errors).toBeUndefined();

    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('cache-test:*');
      expect(keys.some((k) => k.startsWith('cache-test:meta:'))).toBe(true);
      expect(keys.some((k) => k.startsWith('cache-test:response:'))).toBe(true);
      let dump = '';
      for (const key of keys) {
        const type = await client.type(key);
        dump += `${key}\n${type === 'string' ? await client.get(key) : JSON.stringify(await client.smembers(key))}\n`;
      }
      // As a whole JSON string, the way a cached value would be stored (a short base64 value can
      // also occur by chance inside a base64 global ID).
      const leaked = distinct.filter((value) => dump.includes(JSON.stringify(value)));
      expect(leaked).toEqual([]);
      // Keys name source, namespace, query and page; no caller, grant digest or token is part of them.
      for (const token of [
        revealer.authorization.slice(7),
        stack.authHeaders.authorization.slice(7),
        'revealer',
        'test-suite',
        'kms-team',
      ])
        expect(dump).not.toContain(token);
    } finally {
      client.disconnect();
    }
  });
});

/**
 * Cache keys no longer carry the grant, so the grant must hold on read, by every path. Replica A,
 * warmed by a full-scope token on every path, and replica B then answer narrow grants exactly as a
 * gateway without any cache does.
 */
describe('a shared cache leaks nothing across grants', () => {
  let stack: Stack;
  let b: Replica;
  let reference: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        useRedis(config, redis, 'grant-test:');
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: true };
      },
    });
    b = await stack.replica();
    const { gatewayOn } = await import('../auth/helpers.js');
    reference = await gatewayOn(stack, (config) => {
      delete config.redis;
      for (const source of config.sources) source.cache = { ttlMs: 0, staleMs: 0, readAhead: false };
    });
  });
  afterAll(async () => {
    await reference.close();
    await stack.close();
  });

  it('every path answers a narrow grant from the warm shared cache exactly as without a cache', async () => {
    const { data } = stack.emulators;
    const encode = (type: string, parts: string[]) =>
      Buffer.from(`${type}:${JSON.stringify(parts)}`).toString('base64url');
    const sae = data.sae.secrets.find((s) => s.RelateApps.length > 0 && s.NamespaceId.includes(':'))!;
    const ids = [
      encode('SaeSecret', [SOURCE.sae, sae.NamespaceId, String(sae.SecretId)]),
      encode('Namespace', [SOURCE.sae, sae.NamespaceId]),
      encode('RelatedApp', [SOURCE.sae, sae.NamespaceId, sae.RelateApps[0].AppId]),
      encode('KmsSecret', [SOURCE.kms, data.kms.regionId, data.kms.secrets[0].SecretName]),
      encode('KmsSecret', [SOURCE.kms, data.kms.regionId, data.kms.secrets[150].SecretName]),
      encode('ApigSecret', [SOURCE.apig, data.apig.regionId, data.apig.secrets[0].secretId]),
      encode('CsmsSecret', [SOURCE.csms, data.csms.projectId, data.csms.secrets[0].name]),
      encode('Namespace', [SOURCE.kms, data.kms.regionId]),
    ];
    const documents: Array<{ query: string; variables?: Record<string, unknown> }> = [
      {
        query:
          '{ sources { id namespaces { id namespaceId } } namespaces { id namespaceId relatedApps { appId secrets { name } } } }',
      },
      { query: '{ secrets(first: 100) { totalCount nodes { id name } sourceStates { source namespace status } } }' },
      { query: '{ secrets(first: 100, filter: { sources: ["sae-demo", "kms-demo"] }) { totalCount nodes { id } } }' },
      { query: `{ secrets(first: 50, filter: { namespaces: ["${sae.NamespaceId}"] }) { totalCount nodes { id } } }` },
      {
        query:
          '{ secrets(first: 30, filter: { nameContains: "a" }) { nodes { id name ... on KmsSecret { arn tags { key } } ... on SaeSecret { dataKeys relatedApps { appId } } ... on CsmsSecret { autoRotation } } } }',
      },
      {
        query:
          'query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Secret { name } ... on Namespace { secrets(first: 5) { totalCount nodes { id } } } ... on RelatedApp { secrets { name } } } }',
        variables: { ids },
      },
      ...ids.map((id) => ({
        query: 'query($id: ID!) { secret(id: $id) { id name } namespace(id: $id) { id } node(id: $id) { id } }',
        variables: { id },
      })),
      {
        query:
          'query($r: [_Any!]!) { _entities(representations: $r) { ... on Secret { id name } ... on Namespace { id } ... on RelatedApp { appId } } }',
        variables: {
          r: [
            { __typename: 'SaeSecret', id: ids[0] },
            {
              __typename: 'SaeSecret',
              provider: 'alibaba-sae',
              sourceId: SOURCE.sae,
              namespaceId: sae.NamespaceId,
              name: sae.SecretName,
            },
            {
              __typename: 'KmsSecret',
              provider: 'alibaba-kms',
              sourceId: SOURCE.kms,
              namespaceId: data.kms.regionId,
              name: data.kms.secrets[3].SecretName,
            },
            { __typename: 'Namespace', id: ids[1] },
            { __typename: 'RelatedApp', appId: sae.RelateApps[0].AppId },
          ],
        },
      },
    ];
    const narrowGrants = [
      { subject: 'kms-only', scopes: ['secrets:read'] as const, sources: [SOURCE.kms] },
      {
        subject: 'one-sae-namespace',
        scopes: ['secrets:read'] as const,
        namespaces: [`${SOURCE.sae}/${sae.NamespaceId}`],
      },
      { subject: 'kms-and-csms', scopes: ['secrets:read'] as const, sources: [SOURCE.kms, SOURCE.csms] },
    ];
    // Warm every path with the full grant on A.
    for (const document of documents) await post(stack.server.url, document, stack.authHeaders);
    stack.resetCounters();
    let compared = 0;
    for (const grant of narrowGrants) {
      const headers = { authorization: `Bearer ${stack.token({ ...grant, scopes: [...grant.scopes] })}` };
      for (const document of documents) {
        const expected: Body = (await post(reference.url, document, headers)).body;
        for (const replica of [stack.server.url, b.server.url]) {
          expect(
            (await post(replica, document, headers)).body,
            `${grant.subject} ${document.query.slice(0, 60)}`,
          ).toEqual(expected);
          compared++;
        }
      }
    }
    expect(compared).toBe(narrowGrants.length * documents.length * 2);
  });
});

describe('when Redis goes away', () => {
  let stack: Stack;
  let b: Replica;
  let server: RedisServer;

  beforeAll(async () => {
    server = await startRedisServer();
    stack = await startStack({
      configure: (config) => {
        useRedis(config, server, 'outage-test:');
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 60_000, readAhead: true };
      },
    });
    b = await stack.replica();
  });
  afterAll(async () => {
    await stack.close();
    await server.stop();
  });

  it('a Redis that hangs (SIGSTOP) costs a request at most a command timeout or two; every request is answered', async () => {
    const tokens = Array.from({ length: 2 }, (_, i) => ({
      authorization: `Bearer ${stack.token({ subject: `hang-${i}`, scopes: ['secrets:read'] })}`,
    }));
    const queries = [SOURCE.apig, SOURCE.kms, SOURCE.csms].flatMap((source) =>
      [3, 30].map((first) => `{ secrets(first: ${first}, filter: { sources: ["${source}"] }) { nodes { id } } }`),
    );
    const round = (n: number) =>
      Promise.all(
        queries.flatMap((query, i) =>
          [stack.server.url, b.server.url].map(async (url) => {
            const started = Date.now();
            const result = await post(url, { query }, tokens[(n + i) % tokens.length]);
            return { ok: result.status === 200 && !result.body?.errors, ms: Date.now() - started };
          }),
        ),
      );
    expect((await round(0)).every((r) => r.ok)).toBe(true);
    server.pause();
    let results: Array<{ ok: boolean; ms: number }> = [];
    let sawDown = false;
    try {
      for (let n = 1; n <= 6; n++) {
        results = results.concat(await round(n));
        if ((await readyz(stack.server.url)).redis?.state === 'down') sawDown = true;
      }
    } finally {
      server.resume();
    }
    expect(results.every((r) => r.ok)).toBe(true);
    console.log(
      `redis hung: ${results.length} requests answered, slowest ${Math.max(...results.map((r) => r.ms))} ms (command timeout 250 ms)`,
    );
    expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(5000);
    expect(sawDown).toBe(true);
    expect(await metric(stack.server.url, 'secrets_gateway_redis_fallbacks_total')).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while ((await readyz(stack.server.url)).redis?.state !== 'up' && Date.now() < deadline) await sleep(100);
    expect(await readyz(stack.server.url)).toMatchObject({ status: 'ready', redis: { state: 'up' } });
  });

  it('killing Redis mid-run loses no request; the replicas say so, run on local state, and rejoin when it returns', async () => {
    const queries = [SOURCE.sae, SOURCE.apig, SOURCE.kms, SOURCE.csms].flatMap((source) =>
      [5, 20, 60].map(
        (first) => `{ secrets(first: ${first}, filter: { sources: ["${source}"] }) { nodes { id name } } }`,
      ),
    );
    const tokens = Array.from({ length: 3 }, (_, i) => ({
      authorization: `Bearer ${stack.token({ subject: `load-${i}`, scopes: ['secrets:read'] })}`,
    }));
    let answered = 0;
    let failed: string[] = [];
    let killed = false;
    const round = async (n: number) => {
      const results = await Promise.all(
        queries.flatMap((query, i) =>
          [stack.server.url, b.server.url].map((url) => post(url, { query }, tokens[(n + i) % tokens.length])),
        ),
      );
      for (const r of results) {
        if (r.status === 200 && !r.body?.errors && Array.isArray(r.body?.data?.secrets?.nodes)) answered++;
        else failed.push(r.text.slice(0, 300));
      }
    };
    const load = (async () => {
      for (let n = 0; n < 40; n++) {
        await round(n);
        if (n === 8) {
          // Killed while the next rounds are in flight on both replicas.
          void server.kill().then(() => void (killed = true));
        }
      }
    })();
    await load;
    expect(killed).toBe(true);
    expect(failed).toEqual([]);
    expect(answered).toBe(40 * queries.length * 2);

    for (const replica of [stack.server.url, b.server.url]) {
      expect(await readyz(replica)).toMatchObject({ status: 'degraded', redis: { state: 'down' } });
      expect(await metric(replica, 'secrets_gateway_redis_up')).toBe(0);
      expect(await metric(replica, 'secrets_gateway_redis_fallbacks_total')).toBeGreaterThan(0);
    }
    console.log(
      `redis outage: ${answered} requests answered, ${failed.length} lost; fallbacks A=${await metric(stack.server.url, 'secrets_gateway_redis_fallbacks_total')} B=${await metric(b.server.url, 'secrets_gateway_redis_fallbacks_total')}`,
    );

    // Local caches carry on: a repeated query on one replica makes no call.
    failed = [];
    stack.resetCounters();
    await round(0);
    expect(failed).toEqual([]);
    await round(0);
    expect(stack.calls('kms', 'ListSecrets')).toBeLessThanOrEqual(2);

    await server.restart();
    for (const replica of [stack.server.url, b.server.url]) {
      const deadline = Date.now() + 15_000;
      while ((await readyz(replica)).redis?.state !== 'up' && Date.now() < deadline) await sleep(100);
      expect(await readyz(replica)).toMatchObject({ status: 'ready', redis: { state: 'up' } });
      expect(await metric(replica, 'secrets_gateway_redis_up')).toBe(1);
    }
    // Shared again: what A reads, B does not read again.
    stack.resetCounters();
    const query = { query: '{ secrets(first: 7, filter: { sources: ["kms-demo"] }) { nodes { id } } }' };
    expect((await post(stack.server.url, query, tokens[0])).body?.errors).toBeUndefined();
    const byA = stack.calls('kms', 'ListSecrets');
    expect(byA).toBe(1);
    expect((await post(b.server.url, query, tokens[1])).body?.errors).toBeUndefined();
    expect(stack.calls('kms', 'ListSecrets')).toBe(byA);
  });
});
