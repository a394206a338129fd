import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsPageDocument, type SecretFilter, type SecretsPageQuery } from '../generated/graphql.js';
import { PREFETCH_CALLS_PER_REQUEST } from '../../src/pagination/segment.js';
import { expectedKeys, keyOfGlobalId, SOURCE, type ProviderKey } from '../helpers/expected.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

/**
 * Read-ahead while a client walks: the next provider pages go into the cache ahead of it, with
 * free capacity only, within a per-request budget, never showing up in what the client is answered.
 * Counts are read once every prefetch has settled, so they do not depend on timing.
 */
describe('prefetch ahead of a walking client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: true };
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    await stack.gateway.services.cache.prefetchesSettled();
    await stack.gateway.services.cache.clear();
    for (const server of Object.values(stack.emulators.servers)) server.setFaults({ latencyMs: 0, serverErrorRate: 0 });
    stack.resetCounters();
  });

  const settled = () => stack.gateway.services.cache.prefetchesSettled();
  const page = async (first: number, after: string | null, filter: SecretFilter) =>
    expectData(await stack.execute(SecretsPageDocument, { first, after, filter }));

  /** Follows endCursor to the end; the rows, in order, and every page's problems. */
  async function walk(first: number, filter: SecretFilter): Promise<string[]> {
    const keys: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: SecretsPageQuery = await page(first, after, filter);
      expect(data.secrets.sourceStates.filter((s) => s.status !== 'OK')).toEqual([]);
      keys.push(...data.secrets.edges.map((e) => keyOfGlobalId(e.node.id)));
      if (!data.secrets.pageInfo.hasNextPage) return keys;
      after = data.secrets.pageInfo.endCursor ?? null;
    }
  }

  const count = (provider: ProviderKey) => expectedKeys(stack.emulators, provider).length;
  const saeNamespaces = () => new Set(stack.emulators.data.sae.secrets.map((s) => s.NamespaceId)).size;
  /** The fewest list calls that read each provider's rows once: whole pages of 100 (KMS, APIG, AWS), 200 (CSMS), one list per SAE namespace. */
  const minimum: Record<ProviderKey, () => number> = {
    sae: saeNamespaces,
    apig: () => Math.ceil(count('apig') / 100),
    kms: () => Math.ceil(count('kms') / 100),
    csms: () => Math.ceil(count('csms') / 200),
    aws: () => Math.ceil(count('aws') / 100),
  };
  const listCalls = (providers: readonly ProviderKey[]) =>
    providers.reduce((n, p) => n + stack.calls(p, 'ListSecrets'), 0);

  for (const provider of ['kms', 'apig', 'csms', 'sae', 'aws'] as const) {
    it(`${provider}: a full walk with first 100 costs the minimum list calls, read-ahead included`, async () => {
      const keys = await walk(100, { sources: [SOURCE[provider]] });
      await settled();
      expect(keys).toEqual(expectedKeys(stack.emulators, provider));
      expect(stack.calls(provider, 'ListSecrets')).toBe(minimum[provider]());
    });
  }

  it('all sources: a full walk with first 100 costs the minimum list calls, and the later sources are read ahead', async () => {
    const providers = ['sae', 'apig', 'kms', 'csms'] as const;
    const filter = { sources: providers.map((p) => SOURCE[p]) };
    const first = await page(100, null, filter);
    await settled();
    // A first page is not yet a walk: nothing is read ahead of it.
    expect(listCalls(providers)).toBe(1);
    await page(100, first.secrets.pageInfo.endCursor ?? null, filter);
    await settled();
    // The second page is: the later SAE namespaces and the first pages of the later sources came in (CSMS's chain started).
    for (const provider of ['apig', 'kms', 'csms'] as const)
      expect(stack.calls(provider, 'ListSecrets')).toBeGreaterThanOrEqual(1);
    expect(stack.calls('sae', 'ListSecrets')).toBe(saeNamespaces());
    stack.resetCounters();
    await stack.gateway.services.cache.clear();
    const keys = await walk(100, filter);
    await settled();
    expect(keys).toEqual(providers.flatMap((p) => expectedKeys(stack.emulators, p)));
    expect(listCalls(providers)).toBe(providers.reduce((n, p) => n + minimum[p](), 0));
  });

  it('a walk the gateway filters itself (APIG states) is read ahead too, and still costs the minimum list calls', async () => {
    const filter = { sources: [SOURCE.apig], states: ['ENABLE'] };
    const enabled = stack.emulators.data.apig.secrets.filter((s) => s.status === 'ENABLE');
    expect(enabled.length).toBeGreaterThan(100);
    const first = await page(10, null, filter);
    await settled();
    expect(stack.calls('apig', 'ListSecrets')).toBe(1);
    // The second page comes from provider page 1, cached; the later pages are read ahead beside it.
    await page(10, first.secrets.pageInfo.endCursor ?? null, filter);
    await settled();
    expect(stack.calls('apig', 'ListSecrets')).toBe(minimum.apig());
    stack.resetCounters();
    await stack.gateway.services.cache.clear();
    const keys = await walk(100, filter);
    await settled();
    const apigRegion = stack.emulators.data.apig.regionId;
    expect(keys).toEqual(enabled.map((s) => `${apigRegion}|${s.secretId}`));
    expect(stack.calls('apig', 'ListSecrets')).toBe(minimum.apig());
  });

  it('a client that stops after its first page leaves no call behind; after its second, at most the per-request budget', async () => {
    const filter = { sources: [SOURCE.kms, SOURCE.csms] };
    const first = await page(10, null, filter);
    await settled();
    expect(stack.calls('kms', 'ListSecrets') + stack.calls('csms', 'ListSecrets')).toBe(1);
    // The second page comes from the first provider page, cached: every call after it is read-ahead.
    await page(10, first.secrets.pageInfo.endCursor ?? null, filter);
    await settled();
    const ahead = stack.calls('kms', 'ListSecrets') + stack.calls('csms', 'ListSecrets') - 1;
    expect(ahead).toBeGreaterThan(0);
    expect(ahead).toBeLessThanOrEqual(PREFETCH_CALLS_PER_REQUEST);
  });

  it('a failed prefetch never shows up in a page: the client reads the page itself', async () => {
    const filter = { sources: [SOURCE.kms] };
    const first = await page(10, null, filter);
    await settled();
    stack.resetCounters();
    // Every KMS call fails now; the second page comes from the cached first provider page, so only read-ahead calls fail.
    stack.emulators.servers.kms.setFaults({ serverErrorRate: 1 });
    const second = await page(10, first.secrets.pageInfo.endCursor ?? null, filter);
    await settled();
    expect(second.secrets.sourceStates).toEqual([expect.objectContaining({ status: 'OK', code: null })]);
    const failed = Object.values(stack.emulators.servers.kms.getStats().operations).reduce((n, op) => n + op.failed, 0);
    expect(failed).toBeGreaterThan(0);
    // Nothing failed was cached: the rest of the walk reads its pages itself, each row once.
    stack.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
    const keys = [...first.secrets.edges, ...second.secrets.edges].map((e) => keyOfGlobalId(e.node.id));
    let after = second.secrets.pageInfo.endCursor ?? null;
    for (;;) {
      const data = await page(100, after, filter);
      expect(data.secrets.sourceStates.filter((s) => s.status !== 'OK')).toEqual([]);
      keys.push(...data.secrets.edges.map((e) => keyOfGlobalId(e.node.id)));
      if (!data.secrets.pageInfo.hasNextPage) break;
      after = data.secrets.pageInfo.endCursor ?? null;
    }
    expect(keys).toEqual(expectedKeys(stack.emulators, 'kms'));
  });
});

describe('prefetch under a rate limit', () => {
  let stack: Stack;
  const BURST = 4;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: true };
        // A bucket that hardly refills during the test: every call it lets through is one of the burst.
        config.sources.find((s) => s.id === SOURCE.kms)!.rateLimit = { perSecond: 0.001, burst: BURST };
      },
    });
  });
  afterAll(() => stack.close());

  it('takes only rate-limit capacity that is free, leaving the client its own call', async () => {
    const filter = { sources: [SOURCE.kms] };
    const first = expectData(await stack.execute(SecretsPageDocument, { first: 100, filter }));
    await stack.gateway.services.cache.prefetchesSettled();
    // The second page needs provider page 2 itself; read-ahead for pages 3.. goes out beside it.
    const second = expectData(
      await stack.execute(SecretsPageDocument, { first: 100, after: first.secrets.pageInfo.endCursor, filter }),
    );
    await stack.gateway.services.cache.prefetchesSettled();
    expect(second.secrets.edges).toHaveLength(100);
    expect(second.secrets.sourceStates).toEqual([expect.objectContaining({ status: 'OK' })]);
    const calls = stack.calls('kms', 'ListSecrets');
    // Some read-ahead was made, but never past the burst: a quarter of it stays for clients.
    expect(calls).toBeGreaterThan(2);
    expect(calls).toBeLessThanOrEqual(BURST);
    const times = stack.emulators.servers.kms.getStats().callTimes;
    expect(times).toHaveLength(calls);
  });
});

describe('page-number windows without the cache', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The test stack's default: no cache, so no read-ahead either; only the window's own pages are called.
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it('a window across two KMS provider pages reads both at once, not one after the other', async () => {
    const filter = { sources: [SOURCE.kms] };
    const first = expectData(await stack.execute(SecretsPageDocument, { first: 50, filter }));
    stack.resetCounters();
    stack.emulators.servers.kms.setFaults({ latencyMs: 100 });
    // Rows 50..149 lie on provider pages 1 and 2 (of 100); the cursor carries the total.
    const second = expectData(
      await stack.execute(SecretsPageDocument, { first: 100, after: first.secrets.pageInfo.endCursor, filter }),
    );
    expect(second.secrets.edges.map((e) => keyOfGlobalId(e.node.id))).toEqual(
      expectedKeys(stack.emulators, 'kms').slice(50, 150),
    );
    const stats = stack.emulators.servers.kms.getStats();
    expect(stack.calls('kms', 'ListSecrets')).toBe(2);
    expect(stats.maxInFlight).toBe(2);
    const times = stack.emulators.servers.kms.getStats().callTimes;
    // Started within one latency of each other: no call waited for another's answer.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(100);
  });
});
