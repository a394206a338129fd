import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE } from '../../src/config.js';
import { post } from '../auth/helpers.js';
import { expectedKeys, keyOfGlobalId, SOURCE } from '../helpers/expected.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * Until a source's first sync ends it is read live; a client walking it then (an export begun as the
 * gateway starts) reads the pages the sync reads, or joins the sync's call in flight, instead of
 * making every call again. Slow clouds (150 ms a call) keep the first sync under way while it walks.
 */

let stack: Stack;

async function query(document: string, variables: Record<string, unknown> = {}) {
  const { body } = await post(stack.server.url, { query: document, variables }, stack.authHeaders);
  return body as { data?: any; errors?: any[] };
}

beforeAll(async () => {
  stack = await startStack({
    configure: (config) => {
      config.inventory = { refreshMs: 3_600_000, retentionMs: 3_600_000 };
      // The shipped cache policy (the test stack turns caching off by default).
      for (const source of config.sources) source.cache = { ...DEFAULT_CACHE };
    },
    beforeGateway: (emulators) => {
      emulators.servers.kms.setFaults({ latencyMs: 150 });
      emulators.servers.aws.setFaults({ latencyMs: 150 });
    },
  });
});
afterAll(() => stack?.close());

describe('a walk during the first sync', () => {
  it('shares the sync’s calls: the clouds see each page once, and the walk loses and repeats nothing', async () => {
    const seen: string[] = [];
    const asOf: Array<string | null> = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await query(
        `query ($after: String) { secrets(first: 100, after: $after, filter: { providers: [ALIBABA_KMS, AWS_SECRETS_MANAGER] }) {
          asOf edges { node { id provider } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(page.errors).toBeUndefined();
      asOf.push(page.data.secrets.asOf);
      for (const edge of page.data.secrets.edges)
        seen.push(`${edge.node.provider === 'ALIBABA_KMS' ? 'kms' : 'aws'}:${keyOfGlobalId(edge.node.id)}`);
      if (!page.data.secrets.pageInfo.hasNextPage) break;
      after = page.data.secrets.pageInfo.endCursor;
    }
    // Begun before any sync ended: live.
    expect(asOf[0]).toBeNull();
    const expected = [
      ...expectedKeys(stack.emulators, 'kms').map((k) => `kms:${k}`),
      ...expectedKeys(stack.emulators, 'aws').map((k) => `aws:${k}`),
    ];
    expect(seen).toEqual(expected);

    const inventory = stack.gateway.services.inventory!;
    for (let i = 0; i < 100 && !(inventory.status(SOURCE.kms)?.syncedAt && inventory.status(SOURCE.aws)?.syncedAt); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    for (const provider of ['kms', 'aws'] as const)
      expect(inventory.status(SOURCE[provider])!.state, provider).toBe('FRESH');
    // Each page once between the walk and the sync: KMS's pages of 100 (the sync's, the walk's the same calls).
    const pages = (provider: 'kms' | 'aws') => Math.ceil(expectedKeys(stack.emulators, provider).length / 100);
    expect(stack.calls('kms', 'ListSecrets'), 'kms').toBe(pages('kms'));
    // AWS: the walk's pages from the oldest end, and the one page the sync read from the newest end,
    // each once (the sync reads both ends; the walk's third page holds rows only that page gave it).
    expect(pages('aws')).toBe(3);
    expect(stack.calls('aws', 'ListSecrets'), 'aws').toBe(pages('aws') + 1);
  });
});
