import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, LocalCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { useApolloFederation } from '@envelop/apollo-federation';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { SOURCE } from '../helpers/expected.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startStack, type Replica, type Stack } from '../helpers/stack.js';
import { APPS_TYPE_DEFS, deploymentsFrom, startAppsSubgraph } from './apps-subgraph.js';

const { subgraphSdl } = buildSchema(PROVIDER_CATALOG);

/** A round-robin load balancer in front of the replicas, as a Kubernetes Service would be. */
async function startBalancer(targets: string[]): Promise<{ url: string; served: number[]; close(): Promise<void> }> {
  const served = targets.map(() => 0);
  let next = 0;
  const server: Server = createServer((req, res) => {
    const index = next++ % targets.length;
    served[index]++;
    const target = new URL(req.url ?? '/', targets[index]);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.writeHead(502), res.end()));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('two replicas on one Redis behind Apollo Gateway', () => {
  let redis: RedisServer;
  let stack: Stack;
  let b: Replica;
  let balancer: Awaited<ReturnType<typeof startBalancer>>;
  let apps: Awaited<ReturnType<typeof startAppsSubgraph>>;
  let router: ApolloGateway;
  let routerServer: Server;
  let routerUrl: string;

  const query = async (document: string) => {
    const response = await fetch(routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: document }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ extensions?: Record<string, unknown> }> };
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    stack = await startStack({
      configure: (config) => {
        config.redis = { url: redis.url, keyPrefix: 'router-test:', commandTimeoutMs: 250 };
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: true };
      },
    });
    b = await stack.replica();
    balancer = await startBalancer([stack.server.url, b.server.url]);
    apps = await startAppsSubgraph(deploymentsFrom(stack.emulators.data.sae, SOURCE.sae));
    const secretsUrl = `${balancer.url}/graphql`;
    router = new ApolloGateway({
      supergraphSdl: new LocalCompose({
        localServiceList: [
          { name: 'secrets', typeDefs: parse(subgraphSdl), url: secretsUrl },
          { name: 'apps', typeDefs: APPS_TYPE_DEFS, url: apps.url },
        ],
      }),
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource({
          url,
          willSendRequest: ({ request }) => {
            if (url === secretsUrl) request.http?.headers.set('authorization', stack.authHeaders.authorization);
          },
        }),
    });
    await router.load();
    const yoga = createYoga({
      schema: router.schema!,
      plugins: [useApolloFederation({ gateway: router })],
      logging: false,
      maskedErrors: false,
    });
    routerServer = createServer(yoga);
    await new Promise<void>((resolve) => routerServer.listen(0, '127.0.0.1', resolve));
    routerUrl = `http://127.0.0.1:${(routerServer.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    routerServer?.closeAllConnections();
    await new Promise((resolve) => routerServer?.close(resolve));
    await router?.stop();
    await apps?.close();
    await balancer?.close();
    await stack?.close();
    await redis?.stop();
  });
  beforeEach(async () => {
    await stack.gateway.services.cache.clear();
    stack.emulators.reset();
  });

  it('references resolve on whichever replica the balancer picks, and the cloud is read once for the fleet', async () => {
    // No type condition under the references: Apollo's planner fails on one below @provides (test/federation/router-bugs.test.ts).
    const document = `{ deployment(id: "platform-bundle/prod") { environment secrets { id name sourceId } } }`;
    const before = [...balancer.served];
    const first = await query(document);
    expect(first.errors).toBeUndefined();
    expect(first.data.deployment.secrets.length).toBeGreaterThanOrEqual(100);
    expect(first.data.deployment.secrets.every((s: { sourceId?: string } | null) => s?.sourceId === SOURCE.sae)).toBe(
      true,
    );
    const listCalls = stack.calls('sae', 'ListSecrets');
    expect(listCalls).toBe(1);
    // Again, several times: the balancer alternates, and neither replica reads the cloud again.
    for (let i = 0; i < 4; i++) expect(await query(document)).toEqual(first);
    expect(stack.calls('sae', 'ListSecrets')).toBe(listCalls);
    const servedNow = balancer.served.map((n, i) => n - before[i]);
    expect(servedNow.every((n) => n >= 2)).toBe(true);
  });

  it('secrets → apps → secrets round trip through both replicas', async () => {
    const result = await query(`{
      secrets(first: 3, filter: { sources: ["${SOURCE.sae}"] }) { nodes { id usedByDeployments { id secrets { id name } } } }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data.secrets.nodes).toHaveLength(3);
    for (const node of result.data.secrets.nodes) {
      expect(node.usedByDeployments.length).toBeGreaterThan(0);
      for (const deployment of node.usedByDeployments)
        expect(deployment.secrets.map((s: { id: string }) => s.id)).toContain(node.id);
    }
    expect(balancer.served.every((n) => n > 0)).toBe(true);
  });
});
