import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AwsSeedSecret } from '../../src/providers/aws-secrets-manager/data.js';
import { expectedKeys, keyOfGlobalId, SOURCE, type ProviderKey } from '../helpers/expected.js';
import { post } from '../auth/helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * The inventory end to end, over HTTP against the emulators: what a fresh index serves without a
 * call, search and global order across clouds, counts, grants on every path, live reads, a change
 * at the cloud after the next sync, and a failed sync that falls back to live.
 */

const PROVIDERS: ProviderKey[] = ['sae', 'apig', 'kms', 'csms', 'aws'];
let stack: Stack;

function cloudCalls(): number {
  let calls = 0;
  for (const server of Object.values(stack.emulators.servers))
    for (const op of Object.values(server.getStats().operations)) calls += op.calls;
  return calls;
}

/** A raw POST, as a portal sends it. */
async function query(document: string, variables: Record<string, unknown> = {}, headers?: Record<string, string>) {
  const { body } = await post(stack.server.url, { query: document, variables }, { ...stack.authHeaders, ...headers });
  return body as { data?: any; errors?: any[] };
}

async function untilFresh(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { data } = await query('{ inventory { sources { state } } }');
    if (data?.inventory.sources.every((s: { state: string }) => s.state === 'FRESH')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the inventory did not become fresh');
}

/** A secret "created at the cloud" now: a copy of `template` under a new name and ARN. */
function awsSecretLike(template: AwsSeedSecret, name: string, more: Partial<AwsSeedSecret> = {}): AwsSeedSecret {
  const arnPrefix = template.arn.slice(0, template.arn.lastIndexOf(':') + 1);
  const now = Date.now();
  return {
    ...template,
    name,
    arn: `${arnPrefix}${name}-AbCdEf`,
    createdMs: now,
    lastChangedMs: now,
    deletedMs: null,
    ...more,
  };
}

const totalSecrets = () => PROVIDERS.reduce((n, p) => n + expectedKeys(stack.emulators, p).length, 0);

beforeAll(async () => {
  stack = await startStack({
    configure: (config) => {
      // Syncs only when a test asks (syncNow), so that every count below is exact.
      config.inventory = { refreshMs: 3_600_000, retentionMs: 3_600_000 };
    },
  });
  await untilFresh();
});
afterAll(() => stack?.close());
beforeEach(() => stack.emulators.reset());

describe('a fresh inventory', () => {
  it('reports every source synced with the minimum list calls', async () => {
    const { data, errors } = await query(
      '{ inventory { sources { source { id } state syncedAt secretCount lastError { code } listCalls } } }',
    );
    expect(errors).toBeUndefined();
    const bySource = Object.fromEntries(data.inventory.sources.map((s: any) => [s.source.id, s]));
    for (const provider of PROVIDERS) {
      const status = bySource[SOURCE[provider]];
      expect(status, provider).toMatchObject({ state: 'FRESH', lastError: null });
      expect(status.secretCount, provider).toBe(expectedKeys(stack.emulators, provider).length);
      expect(Date.parse(status.syncedAt)).toBeGreaterThan(Date.now() - 120_000);
    }
    // KMS and APIG: 100 a page; CSMS and AWS: their largest pages; SAE: one call per namespace.
    expect(bySource['kms-demo'].listCalls).toBe(Math.ceil(expectedKeys(stack.emulators, 'kms').length / 100));
    expect(bySource['sae-demo'].listCalls).toBe(stack.emulators.data.sae.namespaces.length);
  });

  it('serves pages, lookups, namespaces and counts with no cloud call, and says how fresh', async () => {
    const { data, errors } = await query(`{
      secrets(first: 100) { totalCount asOf edges { node { id name provider } } pageInfo { hasNextPage } }
      namespaces { namespaceId }
      secretCounts { total byProvider { provider count } bySource { source { id } count } }
    }`);
    expect(errors).toBeUndefined();
    expect(data.secrets.totalCount).toBe(totalSecrets());
    expect(data.secrets.edges).toHaveLength(100);
    expect(Date.parse(data.secrets.asOf)).toBeGreaterThan(Date.now() - 120_000);
    expect(data.secretCounts.total).toBe(totalSecrets());
    for (const provider of PROVIDERS)
      expect(data.secretCounts.bySource.find((c: any) => c.source.id === SOURCE[provider]).count).toBe(
        expectedKeys(stack.emulators, provider).length,
      );
    const ids = data.secrets.edges.slice(0, 5).map((e: any) => e.node.id);
    const { data: looked } = await query('query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Secret { name } } }', {
      ids,
    });
    expect(looked.nodes.map((n: any) => n.id)).toEqual(ids);
    expect(cloudCalls()).toBe(0);
  });

  it('counts by state what the pages say, with and without a search, with no cloud call', async () => {
    // The oracle is the public one: every page of `secrets` under the same filter, read as a portal
    // reads it (CsmsSecret.state, ApigSecret.status; no state for the other providers).
    for (const filter of [{}, { search: 'prod' }, { search: 'PROD', providers: ['HUAWEI_CSMS', 'ALIBABA_APIG'] }]) {
      const pages: Map<string | null, number> = new Map();
      let after: string | null = null;
      for (;;) {
        const { data, errors } = await query(
          `query ($after: String, $filter: SecretFilter) {
            secrets(first: 100, after: $after, filter: $filter) {
              pageInfo { hasNextPage endCursor }
              edges { node { ... on CsmsSecret { state } ... on ApigSecret { status } } }
            }
          }`,
          { after, filter },
        );
        expect(errors).toBeUndefined();
        for (const { node } of data.secrets.edges) {
          const state = node.state ?? node.status ?? null;
          pages.set(state, (pages.get(state) ?? 0) + 1);
        }
        if (!data.secrets.pageInfo.hasNextPage) break;
        after = data.secrets.pageInfo.endCursor;
      }
      const { data, errors } = await query(
        'query ($filter: SecretFilter) { secretCounts(filter: $filter) { total byState { state count } } }',
        { filter },
      );
      expect(errors).toBeUndefined();
      const counted = new Map(data.secretCounts.byState.map((c: any) => [c.state, c.count]));
      expect(counted, JSON.stringify(filter)).toEqual(pages);
      expect(data.secretCounts.total).toBe([...pages.values()].reduce((a, b) => a + b, 0));
      // More than one state, so that a count that read one entry's state for all would fail.
      if (!('providers' in filter)) expect(pages.size, JSON.stringify(filter)).toBeGreaterThan(2);
    }
    expect(cloudCalls()).toBe(0);
  });

  it('resolves federation references by id and by natural key from the index, with no cloud call', async () => {
    const kms = stack.emulators.data.kms;
    const names = kms.secrets.slice(0, 3).map((s) => s.SecretName);
    const representations = names.map((name) => ({
      __typename: 'Secret',
      provider: 'ALIBABA_KMS',
      sourceId: 'kms-demo',
      namespaceId: kms.regionId,
      name,
    }));
    const { data, errors } = await query(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Secret { id name provider } } }',
      { r: representations },
    );
    expect(errors).toBeUndefined();
    expect(data._entities.map((e: any) => e.name)).toEqual(names);
    const byId = await query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on Secret { name } } }', {
      r: data._entities.map((e: any) => ({ __typename: 'Secret', id: e.id })),
    });
    expect(byId.data._entities.map((e: any) => e.name)).toEqual(names);
    expect(cloudCalls()).toBe(0);
  });

  it('walks every secret exactly once in a global order by name, following endCursor', async () => {
    const seen: string[] = [];
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 200; page++) {
      const { data, errors } = await query(
        `query ($after: String) { secrets(first: 97, after: $after, orderBy: [{ field: NAME }]) {
          edges { node { id name } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(errors).toBeUndefined();
      for (const edge of data.secrets.edges) seen.push(keyOfGlobalId(edge.node.id)), names.push(edge.node.name);
      if (!data.secrets.pageInfo.hasNextPage) break;
      after = data.secrets.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(totalSecrets());
    expect(new Set(seen).size).toBe(seen.length);
    const lower = names.map((n) => n.toLowerCase());
    expect(lower).toEqual([...lower].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(cloudCalls()).toBe(0);
  });

  it('searches across clouds, newest first, and finds what a live walk of the same filter finds', async () => {
    const term = 'DB';
    const found: any[] = [];
    let totalCount = 0;
    for (let after: string | null = null; ; ) {
      const { data, errors } = await query(
        `query ($after: String) { secrets(first: 100, after: $after, filter: { search: "${term}" },
          orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
          totalCount edges { node { id name updatedAt } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(errors).toBeUndefined();
      totalCount = data.secrets.totalCount;
      found.push(...data.secrets.edges.map((e: any) => e.node));
      if (!data.secrets.pageInfo.hasNextPage) break;
      after = data.secrets.pageInfo.endCursor;
    }
    expect(cloudCalls()).toBe(0);
    expect(found.length).toBeGreaterThan(0);
    const times = found.map((n: any) => (n.updatedAt ? Date.parse(n.updatedAt) : -1));
    const dated = times.filter((t: number) => t >= 0);
    expect(dated).toEqual([...dated].sort((a, b) => b - a));
    // Undated secrets come last.
    expect(times.slice(dated.length).every((t: number) => t === -1)).toBe(true);
    // The same filter, read live from every provider and checked in the gateway, finds the same set.
    const live: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await query(
        `query ($after: String) { secrets(first: 100, after: $after, live: true, filter: { search: "${term}" }) {
          asOf edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(page.data.secrets.asOf).toBeNull();
      live.push(...page.data.secrets.edges.map((e: any) => e.node.id));
      if (!page.data.secrets.pageInfo.hasNextPage) break;
      after = page.data.secrets.pageInfo.endCursor;
    }
    expect(cloudCalls()).toBeGreaterThan(0);
    expect(found.map((n: any) => n.id).sort()).toEqual(live.sort());
    expect(totalCount).toBe(live.length);
  });

  it('keeps search, order, counts and lookups inside the caller’s grant', async () => {
    const token = stack.token({ sources: ['kms-demo'] });
    const headers = { authorization: `Bearer ${token}` };
    const kms = expectedKeys(stack.emulators, 'kms');
    const { data, errors } = await query(
      `{
        secrets(first: 100, orderBy: [{ field: NAME, direction: DESC }]) { totalCount edges { node { provider } } }
        secretCounts { total byProvider { provider count } bySource { source { id } count } }
        inventory { sources { source { id } } }
        aws: secrets(first: 5, filter: { providers: [AWS_SECRETS_MANAGER] }) { totalCount edges { node { id } } }
      }`,
      {},
      headers,
    );
    expect(errors).toBeUndefined();
    expect(data.secrets.totalCount).toBe(kms.length);
    expect(new Set(data.secrets.edges.map((e: any) => e.node.provider))).toEqual(new Set(['ALIBABA_KMS']));
    expect(data.secretCounts).toEqual({
      total: kms.length,
      byProvider: [{ provider: 'ALIBABA_KMS', count: kms.length }],
      bySource: [{ source: { id: 'kms-demo' }, count: kms.length }],
    });
    expect(data.inventory.sources).toEqual([{ source: { id: 'kms-demo' } }]);
    expect(data.aws).toEqual({ totalCount: 0, edges: [] });
    expect(cloudCalls()).toBe(0);
  });

  it('binds a cursor to its date filter: the same cursor under another date is FOREIGN_CURSOR', async () => {
    const page = (after: string | null, updatedAfter: string) =>
      query(
        `query ($after: String, $since: DateTime) {
          secrets(first: 2, after: $after, filter: { updatedAfter: $since }) { pageInfo { endCursor } }
        }`,
        { after, since: updatedAfter },
      );
    const first = await page(null, '2000-01-01T00:00:00Z');
    expect(first.errors).toBeUndefined();
    const cursor = first.data.secrets.pageInfo.endCursor;
    expect((await page(cursor, '2000-01-01T00:00:00Z')).errors).toBeUndefined();
    const other = await page(cursor, '2001-06-01T00:00:00Z');
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FOREIGN_CURSOR' });
  });

  it('keeps counts per grant and filter when it reuses them between syncs', async () => {
    // Counts (and totals) are kept per index version; each caller still gets those of its own grant.
    const counts = async (filter: string, headers?: Record<string, string>) => {
      const { data, errors } = await query(
        `{ secretCounts(filter: ${filter}) { total } secrets(first: 1, filter: ${filter}) { totalCount } }`,
        {},
        headers,
      );
      expect(errors).toBeUndefined();
      expect(data.secrets.totalCount).toBe(data.secretCounts.total);
      return data.secretCounts.total as number;
    };
    const kmsOnly = { authorization: `Bearer ${stack.token({ sources: ['kms-demo'] })}` };
    const sae = expectedKeys(stack.emulators, 'sae');
    const namespace = sae[0]!.split('|')[0]!;
    const oneNamespace = {
      authorization: `Bearer ${stack.token({ sources: ['sae-demo'], namespaces: [`sae-demo/${namespace}`] })}`,
    };
    const all = '{ providers: [ALIBABA_KMS, ALIBABA_SAE] }';
    const full = await counts(all);
    expect(full).toBe(expectedKeys(stack.emulators, 'kms').length + sae.length);
    expect(await counts(all, kmsOnly)).toBe(expectedKeys(stack.emulators, 'kms').length);
    const inNamespace = sae.filter((key) => key.split('|')[0] === namespace).length;
    expect(inNamespace).toBeGreaterThan(0);
    expect(inNamespace).toBeLessThan(sae.length);
    expect(await counts(all, oneNamespace)).toBe(inNamespace);
    // The same filter spelled in another order is the same question; a narrower one is not.
    expect(await counts('{ providers: [ALIBABA_KMS, ALIBABA_SAE], search: "" }')).toBe(full);
    expect(await counts('{ search: "", providers: [ALIBABA_KMS, ALIBABA_SAE] }')).toBe(full);
    expect(await counts('{ providers: [ALIBABA_KMS] }')).toBe(expectedKeys(stack.emulators, 'kms').length);
    expect(await counts(all)).toBe(full);
    expect(cloudCalls()).toBe(0);
  });
});

describe('changes at the cloud', () => {
  it('appear in search and counts after the next sync, and deletions leave them', async () => {
    const aws = stack.emulators.data.aws;
    const probe = awsSecretLike(aws.secrets[0], 'inventory-probe-zephyr', {
      description: 'made by the inventory test',
      tags: [{ Key: 'team', Value: 'zephyr-squad' }],
    });
    const search = async (term: string) =>
      (await query(`{ secrets(first: 10, filter: { search: "${term}" }) { edges { node { name } } } }`)).data.secrets
        .edges.length;
    aws.secrets.push(probe);
    stack.emulators.providers.aws.dataChanged();
    try {
      expect(await search('zephyr')).toBe(0);
      await stack.gateway.services.inventory!.syncNow('aws-demo');
      expect(await search('zephyr')).toBe(1);
      expect(await search('ZEPHYR-SQUAD')).toBe(1);
      expect(await search('by the inventory')).toBe(1);
    } finally {
      aws.secrets.splice(aws.secrets.indexOf(probe), 1);
      stack.emulators.providers.aws.dataChanged();
    }
    await stack.gateway.services.inventory!.syncNow('aws-demo');
    expect(await search('zephyr')).toBe(0);
    const { data } = await query('{ secretCounts { total } }');
    expect(data.secretCounts.total).toBe(totalSecrets());
  });

  it.each(PROVIDERS)(
    '%s: a secret deleted and restored at the emulator leaves and returns after a sync',
    async (provider) => {
      const inventory = stack.gateway.services.inventory!;
      const source = SOURCE[provider];
      const seed = stack.emulators.data[provider].secrets as unknown[];
      const count = () => inventory.status(source)!.secretCount;
      const before = count();
      const [removed] = seed.splice(0, 1);
      stack.emulators.providers[provider].dataChanged();
      try {
        await inventory.syncNow(source);
        expect(count()).toBe(before! - 1);
      } finally {
        seed.unshift(removed);
        stack.emulators.providers[provider].dataChanged();
      }
      await inventory.syncNow(source);
      expect(count()).toBe(before);
    },
  );

  it('a failed sync changes nothing, and its source is read live until a sync succeeds', async () => {
    const inventory = stack.gateway.services.inventory!;
    const head = inventory.changes.head;
    stack.emulators.servers.kms.setFaults({ serverErrorRate: 1 });
    const outcome = await inventory.syncNow('kms-demo');
    expect(outcome.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(inventory.changes.head).toBe(head);
    const { data } = await query('{ inventory { sources { source { id } state lastError { code } } } }');
    expect(data.inventory.sources.find((s: any) => s.source.id === 'kms-demo')).toEqual({
      source: { id: 'kms-demo' },
      state: 'FAILED',
      lastError: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    // Read live: the fault shows, as it would without an inventory.
    const failing = await query(
      '{ secrets(first: 5, filter: { providers: [ALIBABA_KMS] }) { asOf interruption { source code } } }',
    );
    expect(failing.data.secrets.interruption).toMatchObject({ source: 'kms-demo' });
    stack.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
    const live = await query('{ secrets(first: 5, filter: { providers: [ALIBABA_KMS] }) { asOf edges { cursor } } }');
    expect(live.data.secrets.asOf).toBeNull();
    expect(live.data.secrets.edges).toHaveLength(5);
    await inventory.syncNow('kms-demo');
    const back = await query('{ secrets(first: 5, filter: { providers: [ALIBABA_KMS] }) { asOf } }');
    expect(back.data.secrets.asOf).not.toBeNull();
    expect(inventory.changes.head).toBe(head);
  });
});

describe('a walk while one source is not fresh', () => {
  /**
   * A source's secrets in its index's order ("namespace|key"): the order its source first listed
   * them, so a secret deleted and listed again (as earlier tests do) comes after the others.
   */
  const indexOrder = (provider: ProviderKey) => {
    const index = stack.gateway.services.inventory!.indexOf(SOURCE[provider])!;
    return index.namespaces.flatMap((ns) => index.entriesBySeq(ns.id).map((e) => `${ns.id}|${e.record.key}`));
  };

  /** Every secret a client gets following endCursor (or startCursor, backward), as "namespace|key" in walk order, and each page's asOf. */
  async function walkAll(size: number, backward = false) {
    const pages: string[][] = [];
    const asOfs: Array<string | null> = [];
    let cursor: string | null = null;
    for (let page = 0; page < 500; page++) {
      const { data, errors } = await query(
        backward
          ? `query ($c: String) { secrets(last: ${size}, before: $c) {
              asOf totalCount edges { node { id } } pageInfo { hasPreviousPage startCursor } } }`
          : `query ($c: String) { secrets(first: ${size}, after: $c) {
              asOf totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { c: cursor },
      );
      expect(errors).toBeUndefined();
      pages.push(data.secrets.edges.map((e: any) => keyOfGlobalId(e.node.id)));
      asOfs.push(data.secrets.asOf);
      const { pageInfo } = data.secrets;
      if (!(backward ? pageInfo.hasPreviousPage : pageInfo.hasNextPage)) {
        const keys = (backward ? pages.reverse() : pages).flat();
        return { keys, asOfs, totalCount: data.secrets.totalCount };
      }
      cursor = backward ? pageInfo.startCursor : pageInfo.endCursor;
    }
    throw new Error('the walk did not end');
  }

  it('reads the fresh sources from their indexes (0 calls) and only the failed one from its cloud', async () => {
    const inventory = stack.gateway.services.inventory!;
    stack.emulators.servers.kms.setFaults({ serverErrorRate: 1 });
    try {
      expect((await inventory.syncNow('kms-demo')).error?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      stack.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
    }
    try {
      stack.emulators.reset();
      const { keys, asOfs, totalCount } = await walkAll(83);
      // Every secret exactly once, in the walk order: KMS as its cloud lists, the others in their index's order.
      expect(keys).toEqual(PROVIDERS.flatMap((p) => (p === 'kms' ? expectedKeys(stack.emulators, p) : indexOrder(p))));
      expect(totalCount).toBe(totalSecrets());
      const calls = Object.fromEntries(PROVIDERS.map((p) => [p, stack.emulators.servers[p].calls('ListSecrets')]));
      expect({ ...calls, kms: 0 }).toEqual({ sae: 0, apig: 0, kms: 0, csms: 0, aws: 0 });
      expect(calls.kms).toBeGreaterThan(0);
      // Served (in part) from the indexes: every page says how old they are.
      expect(asOfs.every((asOf) => asOf !== null)).toBe(true);
      // Backward too (CSMS and AWS page forward only at their clouds, but their indexes do not).
      const back = await walkAll(83, true);
      expect(back.keys).toEqual(keys);
    } finally {
      await inventory.syncNow('kms-demo');
    }
  });

  it('keeps a walk with a failed source inside the caller’s grant, on its index segments too', async () => {
    const inventory = stack.gateway.services.inventory!;
    const sae = stack.emulators.data.sae;
    const [granted] = [...sae.namespaces.map((n) => n.NamespaceId)].sort();
    const headers = {
      authorization: `Bearer ${stack.token({ sources: ['sae-demo', 'kms-demo'], namespaces: [`sae-demo/${granted}`, 'kms-demo/*'] })}`,
    };
    stack.emulators.servers.kms.setFaults({ serverErrorRate: 1 });
    try {
      await inventory.syncNow('kms-demo');
      stack.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
      const namespaces = new Set<string>();
      let total = 0;
      for (let after: string | null = null, page = 0; page < 100; page++) {
        const { data, errors } = await query(
          `query ($after: String) { secrets(first: 100, after: $after) {
            totalCount edges { node { provider namespaceId } } pageInfo { hasNextPage endCursor } } }`,
          { after },
          headers,
        );
        expect(errors).toBeUndefined();
        total = data.secrets.totalCount;
        for (const e of data.secrets.edges) namespaces.add(`${e.node.provider}/${e.node.namespaceId}`);
        if (!data.secrets.pageInfo.hasNextPage) break;
        after = data.secrets.pageInfo.endCursor;
      }
      expect(namespaces).toEqual(
        new Set([`ALIBABA_SAE/${granted}`, `ALIBABA_KMS/${stack.emulators.data.kms.regionId}`]),
      );
      expect(total).toBe(
        sae.secrets.filter((x) => x.NamespaceId === granted).length + expectedKeys(stack.emulators, 'kms').length,
      );
    } finally {
      stack.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
      await inventory.syncNow('kms-demo');
    }
  });

  it('keeps a walk begun on an index on it when its source fails meanwhile', async () => {
    const inventory = stack.gateway.services.inventory!;
    const fail = async (provider: 'kms' | 'aws') => {
      stack.emulators.servers[provider].setFaults({ serverErrorRate: 1 });
      expect((await inventory.syncNow(SOURCE[provider])).error).toBeDefined();
    };
    const document = `query ($after: String) { secrets(first: 100, after: $after, filter: { providers: [ALIBABA_KMS, AWS_SECRETS_MANAGER] }) {
      asOf edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    try {
      // AWS failed: the walk begins on KMS's index (and would read AWS live).
      await fail('aws');
      stack.emulators.servers.aws.setFaults({ serverErrorRate: 0 });
      const first = await query(document, { after: null });
      expect(first.data.secrets.asOf).not.toBeNull();
      // Now KMS fails too: the walk goes on on its index, with no call to it.
      await fail('kms');
      stack.emulators.reset();
      const keys: string[] = first.data.secrets.edges.map((e: any) => keyOfGlobalId(e.node.id));
      for (let after = first.data.secrets.pageInfo.endCursor, page = 0; page < 100; page++) {
        const { data, errors } = await query(document, { after });
        expect(errors).toBeUndefined();
        keys.push(...data.secrets.edges.map((e: any) => keyOfGlobalId(e.node.id)));
        if (!data.secrets.pageInfo.hasNextPage) break;
        after = data.secrets.pageInfo.endCursor;
      }
      expect(keys).toEqual([...indexOrder('kms'), ...expectedKeys(stack.emulators, 'aws')]);
      expect(stack.emulators.servers.kms.calls('ListSecrets')).toBe(0);
      expect(stack.emulators.servers.aws.calls('ListSecrets')).toBeGreaterThan(0);
    } finally {
      stack.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
      stack.emulators.servers.aws.setFaults({ serverErrorRate: 0 });
      await inventory.syncNow('kms-demo');
      await inventory.syncNow('aws-demo');
    }
  });
});

describe('with the whole-response cache on', () => {
  let cached: Stack;
  beforeAll(async () => {
    cached = await startStack({
      configure: (config) => {
        config.inventory = { refreshMs: 3_600_000, retentionMs: 3_600_000 };
        // A TTL far longer than the test: only the inventory's own state can make a response miss.
        for (const source of config.sources) source.cache = { ttlMs: 600_000, staleMs: 0, readAhead: false };
      },
    });
    const inventory = cached.gateway.services.inventory!;
    for (const id of inventory.sourceIds) await inventory.syncNow(id);
  });
  afterAll(() => cached?.close());

  it('answers from the index as of its last sync: a change found by a sync shows at once, not after the TTL', async () => {
    const aws = cached.emulators.data.aws;
    const probe = awsSecretLike(aws.secrets[0], 'cache-probe-quokka');
    const document = '{ secrets(first: 10, filter: { search: "quokka" }) { edges { node { name } } } }';
    const names = async () => {
      const { body } = await post(cached.server.url, { query: document }, cached.authHeaders);
      return (body as any).data.secrets.edges.map((e: any) => e.node.name);
    };
    expect(await names()).toEqual([]);
    aws.secrets.push(probe);
    cached.emulators.providers.aws.dataChanged();
    try {
      // Cached, and the index has not synced: still none.
      expect(await names()).toEqual([]);
      await cached.gateway.services.inventory!.syncNow('aws-demo');
      expect(await names()).toEqual(['cache-probe-quokka']);
    } finally {
      aws.secrets.splice(aws.secrets.indexOf(probe), 1);
      cached.emulators.providers.aws.dataChanged();
    }
    await cached.gateway.services.inventory!.syncNow('aws-demo');
    expect(await names()).toEqual([]);
  });

  it('a source whose sync fails is read live at once, not from a cached page of its index', async () => {
    const inventory = cached.gateway.services.inventory!;
    const document = '{ secrets(first: 5, filter: { providers: [ALIBABA_KMS] }) { asOf } }';
    const asOf = async () =>
      ((await post(cached.server.url, { query: document }, cached.authHeaders)).body as any).data.secrets.asOf;
    expect(await asOf()).not.toBeNull();
    cached.emulators.servers.kms.setFaults({ serverErrorRate: 1 });
    try {
      await inventory.syncNow('kms-demo');
    } finally {
      cached.emulators.servers.kms.setFaults({ serverErrorRate: 0 });
    }
    expect(await asOf()).toBeNull();
    await inventory.syncNow('kms-demo');
    expect(await asOf()).not.toBeNull();
  });
});
