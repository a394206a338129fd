import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { planPages } from '../../src/pagination/page-plan.js';
import {
  KmsDetailsDocument,
  SecretsCountDocument,
  NamespaceSecretsPageDocument,
  NodesByIdDocument,
  SaeSecretsWithAppsDocument,
  SaeSecretsWithDataKeysDocument,
  SecretsPageDocument,
} from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { expectData, namespaceGlobalId, startStack, type Stack } from '../helpers/stack.js';

const SAE_LIMIT = 3;

describe('upstream calls are the fewest the query needs', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        const sae = config.sources.find((s) => s.id === SOURCE.sae)!;
        sae.maxConcurrency = SAE_LIMIT;
      },
    });
    // Some latency so that concurrent detail calls really overlap.
    stack.emulators.servers.sae.setFaults({ latencyMs: 15 });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounters());

  it('a page of 50 SAE secrets with relatedApps costs one ListSecrets and no DescribeSecret', async () => {
    const data = expectData(
      await stack.execute(SaeSecretsWithAppsDocument, { first: 50, filter: { sources: [SOURCE.sae] } }),
    );
    expect(data.secrets.nodes).toHaveLength(50);
    expect(data.secrets.nodes.some((n) => n.__typename === 'SaeSecret' && n.relatedApps.length > 0)).toBe(true);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(stack.calls('sae', 'DescribeSecret')).toBe(0);
    expect(stack.calls('sae', 'DescribeNamespaceList')).toBe(1);
  });

  it('dataKeys on 50 SAE secrets: 50 DescribeSecret at most, none twice, at most the configured number at a time', async () => {
    const data = expectData(
      await stack.execute(SaeSecretsWithDataKeysDocument, { first: 50, filter: { sources: [SOURCE.sae] } }),
    );
    const expected = stack.emulators.data.sae.secrets;
    for (const node of data.secrets.nodes) {
      if (node.__typename !== 'SaeSecret') throw new Error('expected SAE secrets');
      const seed = expected.find((s) => String(s.SecretId) === node.secretId)!;
      expect(node.dataKeys).toEqual(Object.keys(seed.SecretData).sort());
    }
    expect(stack.calls('sae', 'DescribeSecret')).toBe(50);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(stack.emulators.servers.sae.getStats().maxInFlight).toBeLessThanOrEqual(SAE_LIMIT);
    expect(stack.emulators.servers.sae.getStats().maxInFlight).toBeGreaterThan(1);
  });

  it('the same secrets asked twice in one request cost their calls once', async () => {
    const ns = namespaceGlobalId(SOURCE.sae, 'cn-hangzhou');
    const first = expectData(await stack.execute(NamespaceSecretsPageDocument, { id: ns, first: 10 }));
    stack.resetCounters();
    const ids = first.namespace!.secrets.edges.map((e) => e.node.id);
    const nodes = expectData(await stack.execute(NodesByIdDocument, { ids: [...ids, ...ids] }));
    expect(nodes.nodes.filter(Boolean)).toHaveLength(20);
    // Lookups by id of an unpaged provider read the namespace's list once.
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(stack.calls('sae', 'DescribeSecret')).toBe(0);
  });

  it('a 100-item KMS page costs the fewest ListSecrets the page arithmetic allows', async () => {
    const total = stack.emulators.data.kms.secrets.length;
    const filter = { sources: [SOURCE.kms] };
    const page1 = expectData(await stack.execute(SecretsPageDocument, { first: 100, filter }));
    expect(stack.calls('kms', 'ListSecrets')).toBe(1);
    // From an unaligned position: [151, 251) needs two pages of at most 100 rows.
    const to150 = expectData(
      await stack.execute(SecretsPageDocument, { first: 51, after: page1.secrets.pageInfo.endCursor, filter }),
    );
    stack.resetCounters();
    const next = expectData(
      await stack.execute(SecretsPageDocument, { first: 100, after: to150.secrets.pageInfo.endCursor, filter }),
    );
    expect(next.secrets.edges).toHaveLength(100);
    expect(stack.calls('kms', 'ListSecrets')).toBe(planPages(151, 251, 100).pages.length);
    expect(planPages(151, 251, 100).pages.length).toBe(2);
    // The last window, clipped to the total once the first answer tells it.
    stack.resetCounters();
    const rest = expectData(
      await stack.execute(SecretsPageDocument, { first: 100, after: next.secrets.pageInfo.endCursor, filter }),
    );
    expect(rest.secrets.edges).toHaveLength(total - 251);
    expect(stack.calls('kms', 'ListSecrets')).toBe(planPages(251, total, 100).pages.length);
  });

  it('KMS detail fields cost one DescribeSecret per secret, list fields none', async () => {
    const data = expectData(await stack.execute(KmsDetailsDocument, { first: 20, filter: { sources: [SOURCE.kms] } }));
    expect(data.secrets.nodes).toHaveLength(20);
    expect(stack.calls('kms', 'ListSecrets')).toBe(1);
    expect(stack.calls('kms', 'DescribeSecret')).toBe(20);
  });

  it('KMS lookups by id batch up to 10 names in one ListSecrets', async () => {
    const page = expectData(await stack.execute(SecretsPageDocument, { first: 25, filter: { sources: [SOURCE.kms] } }));
    stack.resetCounters();
    const nodes = expectData(await stack.execute(NodesByIdDocument, { ids: page.secrets.edges.map((e) => e.node.id) }));
    expect(nodes.nodes.map((n) => n && 'name' in n && n.name)).toEqual(page.secrets.edges.map((e) => e.node.name));
    expect(stack.calls('kms', 'ListSecrets')).toBe(3);
    expect(stack.calls('kms', 'DescribeSecret')).toBe(0);
  });

  it('totalCount that CSMS makes unknown costs no call beyond the page itself', async () => {
    const data = expectData(await stack.execute(SecretsCountDocument, {}));
    expect(data.secrets.totalCount).toBeNull();
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(
      stack.calls('apig', 'ListSecrets') + stack.calls('kms', 'ListSecrets') + stack.calls('csms', 'ListSecrets'),
    ).toBe(0);
  });

  it('a page that ends inside the first source calls no other source', async () => {
    expectData(await stack.execute(SecretsPageDocument, { first: 5 }));
    expect(
      stack.calls('apig', 'ListSecrets') + stack.calls('kms', 'ListSecrets') + stack.calls('csms', 'ListSecrets'),
    ).toBe(0);
  });
});
