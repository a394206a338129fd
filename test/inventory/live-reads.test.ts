import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../auth/helpers.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * `secrets(live: true)` with a global order reads the clouds now, as the argument says, rather than
 * the fresh index: it sees a change the next sync has not found yet, says so (asOf null), and costs
 * the list calls of a whole read.
 */

let stack: Stack;

const listCalls = () =>
  Object.values(stack.emulators.servers).reduce((n, server) => n + server.calls('ListSecrets'), 0);

async function query(document: string) {
  const { body } = await post(stack.server.url, { query: document }, stack.authHeaders);
  return body as { data?: any; errors?: any[] };
}

beforeAll(async () => {
  stack = await startStack({
    configure: (config) => {
      // No sync but the first: the index stays as it was, fresh, for the whole file.
      config.inventory = { refreshMs: 3_600_000, retentionMs: 3_600_000 };
    },
  });
  for (let i = 0; i < 300; i++) {
    const { data } = await query('{ inventory { sources { state } } }');
    if (data?.inventory.sources.every((s: { state: string }) => s.state === 'FRESH')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the inventory did not become fresh');
});
afterAll(() => stack?.close());

describe('live reads with a global order', () => {
  it('read the clouds, not the index: a secret created since the sync is there, at live cost', async () => {
    const kms = stack.emulators.data.kms;
    const model = kms.secrets[0];
    const now = Date.now();
    kms.secrets.push({
      ...model,
      SecretName: 'livetest-created-after-sync',
      Arn: model.Arn.replace(model.SecretName, 'livetest-created-after-sync'),
      CreateTime: now,
      UpdateTime: now,
    });
    stack.emulators.providers.kms.dataChanged();
    const page = (live: boolean) =>
      query(`{
        secrets(first: 5, live: ${live}, filter: { search: "livetest" }, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
          asOf
          edges { node { name } }
        }
      }`);

    stack.emulators.reset();
    const indexed = await page(false);
    expect(indexed.errors).toBeUndefined();
    expect(indexed.data.secrets.edges).toEqual([]);
    expect(indexed.data.secrets.asOf).not.toBeNull();
    expect(listCalls()).toBe(0);

    const live = await page(true);
    expect(live.errors).toBeUndefined();
    expect(live.data.secrets.edges).toEqual([{ node: { name: 'livetest-created-after-sync' } }]);
    expect(live.data.secrets.asOf).toBeNull();
    // Every namespace of every source, read whole.
    expect(listCalls()).toBeGreaterThanOrEqual(stack.emulators.data.sae.namespaces.length + 4);
  });
});

describe('live walks without an order', () => {
  it('list the namespaces live too: a namespace created since the sync is walked', async () => {
    const sae = stack.emulators.data.sae;
    const [modelNamespace] = sae.namespaces;
    const model = sae.secrets.find((s) => s.NamespaceId === modelNamespace.NamespaceId)!;
    const namespaceId = `${sae.regionId}:livetest`;
    sae.namespaces.push({ ...modelNamespace, NamespaceId: namespaceId, NamespaceName: 'livetest', Custom: true });
    sae.secrets.push({
      ...model,
      NamespaceId: namespaceId,
      SecretId: 987_654_321,
      SecretName: 'livetest-in-new-namespace',
    });
    stack.emulators.providers.sae.dataChanged();
    try {
      /** Every SAE secret name a client gets following endCursor. */
      const walk = async (live: boolean) => {
        const names: string[] = [];
        let after: string | null = null;
        for (let pages = 0; pages < 100; pages++) {
          const { data, errors } = await query(`{
            secrets(first: 100, live: ${live}, after: ${JSON.stringify(after)}, filter: { providers: [ALIBABA_SAE] }) {
              edges { node { name } }
              pageInfo { hasNextPage endCursor }
            }
          }`);
          expect(errors).toBeUndefined();
          names.push(...data.secrets.edges.map((e: { node: { name: string } }) => e.node.name));
          if (!data.secrets.pageInfo.hasNextPage) return names;
          after = data.secrets.pageInfo.endCursor;
        }
        throw new Error('the walk did not end');
      };
      expect(await walk(false)).not.toContain('livetest-in-new-namespace');
      expect(await walk(true)).toContain('livetest-in-new-namespace');
    } finally {
      sae.secrets.pop();
      sae.namespaces.pop();
      stack.emulators.providers.sae.dataChanged();
    }
  });
});
