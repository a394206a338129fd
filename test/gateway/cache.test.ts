import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SaeSecretsWithDataKeysDocument, SecretsPageDocument, type SecretsPageQuery } from '../generated/graphql.js';
import { expectedKeys, keyOfGlobalId, SOURCE, DEMO_SOURCE_COUNT } from '../helpers/expected.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

describe('cross-request metadata cache', () => {
  let stack: Stack;
  const TTL = 300;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: true };
        // A short TTL with a long stale window on APIG, and no cache at all on CSMS.
        config.sources.find((s) => s.id === SOURCE.apig)!.cache = { ttlMs: TTL, staleMs: 60_000, readAhead: true };
        config.sources.find((s) => s.id === SOURCE.csms)!.cache = { ttlMs: 0, staleMs: 0, readAhead: true };
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.gateway.services.cache.clear();
    stack.resetCounters();
  });

  it('a repeated query within the TTL makes no upstream call', async () => {
    const first = expectData(
      await stack.execute(SaeSecretsWithDataKeysDocument, { first: 20, filter: { sources: [SOURCE.sae] } }),
    );
    const calls =
      stack.calls('sae', 'ListSecrets') +
      stack.calls('sae', 'DescribeSecret') +
      stack.calls('sae', 'DescribeNamespaceList');
    expect(calls).toBe(22);
    stack.resetCounters();
    const again = expectData(
      await stack.execute(SaeSecretsWithDataKeysDocument, { first: 20, filter: { sources: [SOURCE.sae] } }),
    );
    expect(again).toEqual(first);
    expect(Object.keys(stack.emulators.servers.sae.getStats().operations)).toEqual([]);
  });

  it('reads ahead: a walk with first 7 costs one call per provider page, not per GraphQL page', async () => {
    const keys: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: SecretsPageQuery = expectData(
        await stack.execute(SecretsPageDocument, { first: 7, after, filter: { sources: [SOURCE.kms] } }),
      );
      keys.push(...data.secrets.edges.map((e) => keyOfGlobalId(e.node.id)));
      if (!data.secrets.pageInfo.hasNextPage) break;
      after = data.secrets.pageInfo.endCursor ?? null;
    }
    expect(keys).toEqual(expectedKeys(stack.emulators, 'kms'));
    expect(stack.calls('kms', 'ListSecrets')).toBe(Math.ceil(stack.emulators.data.kms.secrets.length / 100));
  });

  it('concurrent identical misses share one call', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        stack.execute(SecretsPageDocument, { first: 50, filter: { sources: [SOURCE.kms] } }),
      ),
    );
    for (const r of results) expectData(r);
    expect(stack.calls('kms', 'ListSecrets')).toBe(1);
  });

  it('serves stale data past the TTL while one background call refreshes it', async () => {
    expectData(await stack.execute(SecretsPageDocument, { first: 10, filter: { sources: [SOURCE.apig] } }));
    expect(stack.calls('apig', 'ListSecrets')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, TTL + 50));
    stack.emulators.servers.apig.setFaults({ latencyMs: 200 });
    const started = Date.now();
    expectData(await stack.execute(SecretsPageDocument, { first: 10, filter: { sources: [SOURCE.apig] } }));
    // Answered from the stale entry, without waiting for the slow refresh.
    expect(Date.now() - started).toBeLessThan(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stack.emulators.servers.apig.setFaults({ latencyMs: 0 });
    expect(stack.calls('apig', 'ListSecrets')).toBe(2);
    expectData(await stack.execute(SecretsPageDocument, { first: 10, filter: { sources: [SOURCE.apig] } }));
    expect(stack.calls('apig', 'ListSecrets')).toBe(2);
  });

  it('a source with the cache off calls every time', async () => {
    for (let i = 0; i < 3; i++)
      expectData(await stack.execute(SecretsPageDocument, { first: 10, filter: { sources: [SOURCE.csms] } }));
    expect(stack.calls('csms', 'ListSecrets')).toBe(3);
  });
});

describe('whole-response cache (all sources cached)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: true };
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounters());

  const post = async (query: string, headers: Record<string, string> = stack.authHeaders) => {
    const response = await fetch(`${stack.server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ extensions?: Record<string, unknown> }> };
  };

  it('never caches a response holding secret values: each reveal calls the provider and is audited', async () => {
    const token = stack.token({ subject: 'revealer', scopes: ['secrets:read', 'secrets:reveal'] });
    const query = `{ secrets(first: 2, filter: { sources: ["${SOURCE.kms}"] }) { nodes { name ... on KmsSecret { value { secretData } } } } }`;
    for (let i = 0; i < 2; i++)
      expect((await post(query, { authorization: `Bearer ${token}` })).data.secrets.nodes).toHaveLength(2);
    expect(stack.calls('kms', 'GetSecretValue')).toBe(4);
  });

  it('never caches a response in which a source failed', async () => {
    const query = `{ secrets(first: 3, filter: { sources: ["${SOURCE.apig}"] }) { nodes { name } } }`;
    stack.emulators.providers.apig.failNext('InternalError', { operation: 'ListSecrets', times: 3 });
    expect((await post(query)).errors?.[0].extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const recovered = await post(query);
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data.secrets.nodes).toHaveLength(3);
  });

  it('is not shared between credentials: a narrower grant gets its own answer', async () => {
    const query = `{ sources { id } }`;
    expect((await post(query)).data.sources).toHaveLength(DEMO_SOURCE_COUNT);
    const narrow = stack.token({ subject: 'kms-only', scopes: ['secrets:read'], sources: [SOURCE.kms] });
    expect((await post(query, { authorization: `Bearer ${narrow}` })).data.sources).toEqual([{ id: SOURCE.kms }]);
  });

  it('does not hold pages reached through a cursor: a repeated step of a walk is served from the metadata cache', async () => {
    const page = (after?: string) =>
      post(
        `{ secrets(first: 5, filter: { sources: ["${SOURCE.csms}"] }${after ? `, after: "${after}"` : ''}) { pageInfo { endCursor } nodes { name } } }`,
      );
    const first = await page();
    const second = await page(first.data.secrets.pageInfo.endCursor);
    expect(second.data.secrets.nodes).toHaveLength(5);
    await stack.gateway.services.cache.prefetchesSettled();
    stack.gateway.services.cache.clear();
    const calls = stack.calls('csms', 'ListSecrets');
    // The first page comes from the whole-response cache; the cursor's page is executed again.
    expect(await page()).toEqual(first);
    expect(stack.calls('csms', 'ListSecrets')).toBe(calls);
    expect(await page(first.data.secrets.pageInfo.endCursor)).toEqual(second);
    await stack.gateway.services.cache.prefetchesSettled();
    expect(stack.calls('csms', 'ListSecrets')).toBeGreaterThan(calls);
  });

  it('answers a repeated metadata query without executing it again', async () => {
    const query = `{ secrets(first: 5, filter: { sources: ["${SOURCE.csms}"] }) { nodes { name } } }`;
    const first = await post(query);
    const before = stack.calls('csms', 'ListSecrets');
    stack.gateway.services.cache.clear();
    expect(await post(query)).toEqual(first);
    expect(stack.calls('csms', 'ListSecrets')).toBe(before);
  });
});
