import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FAULTS } from '../../src/emulators/core.js';
import { AWS_EMULATOR_CREDENTIALS } from '../../src/providers/aws-secrets-manager/credentials.js';
import { startAwsSecretsManagerEmulator } from '../../src/providers/aws-secrets-manager/emulator.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * AWS Secrets Manager through the gateway, over the real SDK against its SigV4-checking emulator:
 * walks that follow `endCursor` (NextToken inside our cursor), filters, lookups by ID and by the
 * federation natural key, grants, values batched 20 to a BatchGetSecretValue, and faults.
 */
const doc = <T>(text: string) => parse(text) as TypedDocumentNode<T, Record<string, unknown>>;

interface Page {
  secrets: {
    edges: Array<{ node: { name: string } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    interruption: { provider: string; code: string } | null;
  };
}
const PAGE = doc<Page>(`query ($after: String, $first: Int, $filter: SecretFilter) {
  secrets(first: $first, after: $after, filter: $filter) { edges { node { name } } pageInfo { hasNextPage endCursor } interruption { provider code } }
}`);
const AWS_ONLY = { sources: ['aws-test'] };

let aws: Awaited<ReturnType<typeof startAwsSecretsManagerEmulator>>;
/** About 1,100 secrets: enough pages for a read from both ends to run its two chains at once. */
let big: Awaited<ReturnType<typeof startAwsSecretsManagerEmulator>>;
let stack: Stack;

beforeAll(async () => {
  aws = await startAwsSecretsManagerEmulator();
  big = await startAwsSecretsManagerEmulator({ scale: 4 });
  stack = await startStack({
    configure: (config) => {
      for (const [id, emulator] of [
        ['aws-test', aws],
        ['aws-big', big],
      ] as const)
        config.sources.push({
          id,
          provider: 'aws-secrets-manager',
          region: AWS_EMULATOR_CREDENTIALS.region,
          endpoint: emulator.url,
          credentials: {
            accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
            secretAccessKey: AWS_EMULATOR_CREDENTIALS.secretAccessKey,
          },
          includePlannedDeletion: false,
          rateLimit: { perSecond: 1000, burst: 1000 },
          cache: { ttlMs: 0, staleMs: 0, readAhead: false },
        });
    },
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await aws?.server.stop();
  await big?.server.stop();
});

const live = () => aws.emulator.seed.secrets.filter((s) => s.deletedMs === null);

async function walk(
  first: number,
  filter: Record<string, unknown> = AWS_ONLY,
  pages: Array<Page['secrets']> = [],
): Promise<string[]> {
  const names: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 500; i++) {
    const { data, errors }: { data: Page | null | undefined; errors: unknown } = await stack.execute(PAGE, {
      first,
      after,
      filter,
    });
    if (!data) throw new Error(JSON.stringify(errors));
    pages.push(data.secrets);
    names.push(...data.secrets.edges.map((e) => e.node.name));
    if (!data.secrets.pageInfo.hasNextPage) return names;
    after = data.secrets.pageInfo.endCursor;
  }
  throw new Error('the walk did not end');
}

describe('AWS Secrets Manager through the gateway', () => {
  it('first 7 and first 100 walk every secret exactly once, in the provider order', async () => {
    const expected = live().map((s) => s.name);
    expect(await walk(7)).toEqual(expected);
    aws.server.resetStats();
    expect(await walk(100)).toEqual(expected);
    // Whole provider pages of 100: the minimum of list calls.
    expect(aws.server.calls('ListSecrets')).toBe(Math.ceil(expected.length / 100));
  });

  it('an ordered read takes the whole list from both ends at once: every match once, in the fewest calls', async () => {
    const ORDERED = doc<Page>(`query ($after: String) {
      secrets(first: 100, after: $after, live: true, orderBy: [{ field: NAME }], filter: { sources: ["aws-big"], nameContains: "e" }) {
        edges { node { name } } pageInfo { hasNextPage endCursor } interruption { provider code }
      }
    }`);
    const listed = big.emulator.seed.secrets.filter((s) => s.deletedMs === null);
    const expected = listed
      .map((s) => s.name)
      .filter((name) => name.toLowerCase().includes('e'))
      .sort();
    expect(listed.length).toBeGreaterThan(1000);
    big.server.setFaults({ latencyMs: 20 });
    big.server.resetStats();
    try {
      const names: string[] = [];
      let pages = 0;
      for (let after: string | null = null; pages < 30; ) {
        const { data, errors }: { data: Page | null | undefined; errors: unknown } = await stack.execute(ORDERED, {
          after,
        });
        if (!data) throw new Error(JSON.stringify(errors));
        pages++;
        expect(data.secrets.interruption).toBeNull();
        names.push(...data.secrets.edges.map((e) => e.node.name));
        if (!data.secrets.pageInfo.hasNextPage) break;
        after = data.secrets.pageInfo.endCursor;
      }
      expect([...names].sort()).toEqual(expected);
      // Each request reads the whole list once (no cache here), oldest first and newest first at once.
      const stats = big.server.getStats();
      expect(stats.operations.ListSecrets.calls).toBe(pages * Math.ceil(listed.length / 100));
      expect(stats.maxInFlight).toBe(2);
    } finally {
      big.server.setFaults(NO_FAULTS);
    }
  });

  it('a tag filter is pushed down as tag-key and re-checked exactly', async () => {
    const key = live().flatMap((s) => s.tags.map((t) => t.Key))[0];
    const expected = live()
      .filter((s) => s.tags.some((t) => t.Key === key))
      .map((s) => s.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(await walk(9, { ...AWS_ONLY, tags: [{ key }] })).toEqual(expected);
  });

  it('a throttled page stops before AWS, names it, and its cursor resumes there', async () => {
    const expected = live().map((s) => s.name);
    const pages: Array<Page['secrets']> = [];
    aws.emulator.failNext('ThrottlingException', { operation: 'ListSecrets', times: 4 });
    const names = await walk(50, AWS_ONLY, pages);
    expect(names).toEqual(expected);
    expect(
      pages.some(
        (p) => p.interruption?.provider === 'AWS_SECRETS_MANAGER' && p.interruption.code === 'UPSTREAM_THROTTLED',
      ),
    ).toBe(true);
  });

  it('values: 30 secrets cost two BatchGetSecretValue calls and no GetSecretValue; the detail costs DescribeSecret', async () => {
    aws.server.resetStats();
    const { data, errors } = await stack.execute(
      doc<{
        secrets: {
          nodes: Array<{
            name: string;
            arn: string;
            value: { versionStages: string[]; secretString: string | null; secretBinary: string | null } | null;
          }>;
        };
      }>(`{
        secrets(first: 30, filter: { sources: ["aws-test"] }) { nodes { name ... on AwsSecret { arn value { versionStages secretString secretBinary } } } }
      }`),
    );
    expect(errors).toBeUndefined();
    expect(data!.secrets.nodes).toHaveLength(30);
    for (const node of data!.secrets.nodes) {
      expect(node.value?.versionStages).toContain('AWSCURRENT');
      expect(node.value!.secretString !== null || node.value!.secretBinary !== null).toBe(true);
    }
    expect(aws.server.calls('BatchGetSecretValue')).toBe(2);
    expect(aws.server.calls('GetSecretValue')).toBe(0);
    expect(aws.server.calls('DescribeSecret')).toBe(0);
  });

  it('by global ID and by the natural key routers send, with replicas from DescribeSecret', async () => {
    const replicated = live().find((s) => s.replicas.length > 0)!;
    const byKey = await stack.execute(
      doc<{ _entities: Array<{ id: string; name: string; replicas: Array<{ region: string }> }> }>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on AwsSecret { id name replicas { region } } } }`,
      ),
      {
        r: [
          {
            __typename: 'AwsSecret',
            provider: 'AWS_SECRETS_MANAGER',
            sourceId: 'aws-test',
            namespaceId: AWS_EMULATOR_CREDENTIALS.region,
            name: replicated.name,
          },
        ],
      },
    );
    expect(byKey.errors).toBeUndefined();
    const entity = byKey.data!._entities[0];
    expect(entity.name).toBe(replicated.name);
    expect(entity.replicas.map((r) => r.region).sort()).toEqual(replicated.replicas.map((r) => r.region).sort());
    const byId = await stack.execute(
      doc<{ node: { name: string } | null }>(`query ($id: ID!) { node(id: $id) { ... on AwsSecret { name } } }`),
      { id: entity.id },
    );
    expect(byId.data!.node?.name).toBe(replicated.name);
  });

  it('a grant without the source sees none of it, and causes no call', async () => {
    aws.server.resetStats();
    const token = stack.token({ sources: ['kms-demo'] });
    const { data } = await stack.execute(PAGE, { first: 10, filter: AWS_ONLY }, { authorization: `Bearer ${token}` });
    expect(data!.secrets.edges).toEqual([]);
    expect(aws.server.calls('ListSecrets')).toBe(0);
  });

  it('wrong keys are UPSTREAM_AUTH_FAILED, with no key in the message', async () => {
    aws.server.setFaults(NO_FAULTS);
    const bad = await startStack({
      configure: (config) => {
        config.sources = [
          {
            id: 'aws-bad',
            provider: 'aws-secrets-manager',
            region: AWS_EMULATOR_CREDENTIALS.region,
            endpoint: aws.url,
            credentials: {
              accessKeyId: AWS_EMULATOR_CREDENTIALS.accessKeyId,
              secretAccessKey: 'not-the-secret-key-0000',
            },
            includePlannedDeletion: false,
          },
        ] as typeof config.sources;
      },
    });
    try {
      const { data, errors } = await bad.execute(PAGE, { first: 5 });
      expect(data?.secrets.interruption?.code ?? errors?.[0]?.extensions?.code).toBe('UPSTREAM_AUTH_FAILED');
      expect(JSON.stringify({ data, errors })).not.toContain('not-the-secret-key-0000');
    } finally {
      await bad.close();
    }
  });
});
