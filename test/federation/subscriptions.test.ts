import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KmsSecretSeed } from '../../src/providers/alibaba/emulator-data.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { SecretChangedDocument } from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { openEventStream } from '../helpers/sse.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { composeSupergraph, startRouter, type Router } from './routers.js';

const { subgraphSdl } = buildSchema(PROVIDER_CATALOG);

/**
 * `secretChanged` through Hive Gateway, configured as routers.ts starts it for every scenario (the
 * client's Authorization forwarded to the subgraph, no transport option): Hive subscribes to the
 * subgraph over GraphQL over SSE and streams each event on to its own SSE client.
 */
describe('secretChanged through Hive Gateway, over SSE at both ends', () => {
  let stack: Stack;
  let router: Router;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        config.inventory = { refreshMs: 60_000, retentionMs: 3_600_000 };
      },
    });
    const inventory = stack.gateway.services.inventory!;
    await Promise.all(inventory.sourceIds.map((id) => inventory.syncNow(id)));
    router = await startRouter(
      'hive',
      composeSupergraph([{ name: 'secrets', typeDefs: subgraphSdl, url: `${stack.server.url}/graphql` }]),
    );
  });
  afterAll(async () => {
    await router?.close();
    await stack?.close();
  });

  it('a subscriber at the router receives a change synced at the subgraph, within the caller’s grant', async () => {
    const everything = await openEventStream(router.url, SecretChangedDocument, {}, stack.authHeaders);
    const saeOnly = await openEventStream(
      router.url,
      SecretChangedDocument,
      {},
      {
        authorization: `Bearer ${stack.token({ sources: [SOURCE.sae] })}`,
      },
    );
    try {
      expect(everything.status).toBe(200);
      // Both subscriptions reach the subgraph before the change is made.
      await expect.poll(() => stack.gateway.services.inventory!.changes.subscribers, { timeout: 10_000 }).toBe(2);
      const kms = stack.emulators.data.kms;
      const model = kms.secrets[0];
      const secret: KmsSecretSeed = {
        ...model,
        SecretName: 'routed-change',
        Arn: model.Arn.replace(model.SecretName, 'routed-change'),
      };
      kms.secrets.push(secret);
      await stack.gateway.services.inventory!.syncNow(SOURCE.kms);
      const event = await everything.next(10_000);
      expect(event?.errors).toBeUndefined();
      expect(event?.data?.secretChanged).toMatchObject({
        kind: 'CREATED',
        ref: { provider: 'ALIBABA_KMS', sourceId: SOURCE.kms, name: 'routed-change' },
        secret: { __typename: 'KmsSecret', name: 'routed-change', provider: 'ALIBABA_KMS' },
      });

      // The SAE-only subscriber's first event is an SAE change, made after the KMS one.
      stack.emulators.data.sae.secrets[0].UpdateTime = Date.now() + 5000;
      await stack.gateway.services.inventory!.syncNow(SOURCE.sae);
      expect((await saeOnly.next(10_000))?.data?.secretChanged.ref.sourceId).toBe(SOURCE.sae);
    } finally {
      everything.close();
      saeOnly.close();
    }
    // Clients gone, Hive lets go of its subscriptions at the subgraph.
    await expect.poll(() => stack.gateway.services.inventory!.changes.subscribers, { timeout: 10_000 }).toBe(0);
  });
});
