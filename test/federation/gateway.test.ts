import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, LocalCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { useApolloFederation } from '@envelop/apollo-federation';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { subgraphSdl } from '../../src/schema/index.js';
import { SOURCE } from '../helpers/expected.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { APPS_TYPE_DEFS, deploymentsFrom, startAppsSubgraph } from './apps-subgraph.js';

interface GraphQLResponse {
  data?: any;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/**
 * Apollo Gateway, served by yoga. (Hive Gateway runtime 2.12 was tried first: it returned null for
 * unresolved entities without their errors, and failed the @interfaceObject round trip.)
 */
describe('through a real federation gateway (Apollo Gateway)', () => {
  let stack: Stack;
  let apps: Awaited<ReturnType<typeof startAppsSubgraph>>;
  let gatewayServer: Server;
  let gateway: ApolloGateway;
  let gatewayUrl: string;
  const unknownId = Buffer.from(`SaeSecret:${JSON.stringify([SOURCE.sae, 'cn-hangzhou', '424242424242'])}`).toString('base64url');

  const query = async (document: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> => {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: document, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  };

  beforeAll(async () => {
    stack = await startStack();
    apps = await startAppsSubgraph(deploymentsFrom(stack.emulators.data.sae, SOURCE.sae), [unknownId, 'not-an-id']);
    gateway = new ApolloGateway({
      supergraphSdl: new LocalCompose({
        localServiceList: [
          { name: 'secrets', typeDefs: parse(subgraphSdl), url: `${stack.server.url}/graphql` },
          { name: 'apps', typeDefs: APPS_TYPE_DEFS, url: apps.url },
        ],
      }),
      // The router authenticates to this subgraph like any client: here with the suite's token.
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource({
          url,
          willSendRequest: ({ request }) => {
            if (url === `${stack.server.url}/graphql`) request.http?.headers.set('authorization', stack.authHeaders.authorization);
          },
        }),
    });
    await gateway.load();
    const yoga = createYoga({ schema: gateway.schema!, plugins: [useApolloFederation({ gateway })], logging: false, maskedErrors: false });
    gatewayServer = createServer(yoga);
    await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    gatewayServer.closeAllConnections();
    await new Promise((resolve) => gatewayServer.close(resolve));
    await gateway.stop();
    await apps.close();
    await stack.close();
  });
  beforeEach(() => {
    stack.emulators.reset();
  });

  it('apps → secrets: 100 secret references of one namespace cost one ListSecrets', async () => {
    const result = await query(`{ deployment(id: "platform-bundle/prod") { environment secrets { id name provider sourceId namespaceId } } }`);
    // Only the two deliberately bad references (items 100 and 101) may fail.
    expect((result.errors ?? []).filter((e) => e.extensions?.code !== 'NOT_FOUND' && e.extensions?.code !== 'BAD_USER_INPUT')).toEqual([]);
    const secrets = result.data.deployment.secrets as Array<{ name: string } | null>;
    expect(secrets.slice(0, 100).every((s) => s !== null && s.name)).toBe(true);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(stack.calls('sae', 'DescribeSecret')).toBe(0);
  });

  it('apps → secrets: detail fields on 100 references cost one DescribeSecret each, once', async () => {
    const result = await query(`{ deployment(id: "platform-bundle/prod") { secrets { name ... on SaeSecret { dataKeys } } } }`);
    expect(result.data.deployment.secrets.slice(0, 100).every((s: { dataKeys?: string[] } | null) => s?.dataKeys && s.dataKeys.length > 0)).toBe(true);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(stack.calls('sae', 'DescribeSecret')).toBe(100);
  });

  it('unknown and malformed references give null and a clear error, not a failed response', async () => {
    const result = await query(`{ deployment(id: "platform-bundle/prod") { secrets { id name } } }`);
    const secrets = result.data.deployment.secrets as Array<unknown>;
    expect(secrets).toHaveLength(102);
    expect(secrets.slice(0, 100).every(Boolean)).toBe(true);
    const codes = (result.errors ?? []).map((e) => e.extensions?.code);
    expect(codes).toEqual(expect.arrayContaining(['NOT_FOUND', 'BAD_USER_INPUT']));
  });

  it('secrets → apps: deployments added to RelatedApp by the other subgraph', async () => {
    const result = await query(`{
      secrets(first: 20, filter: { sources: ["${SOURCE.sae}"] }) {
        nodes { name ... on SaeSecret { relatedApps { appId appName deployments { environment } } } }
      }
    }`);
    expect(result.errors).toBeUndefined();
    const apps = result.data.secrets.nodes.flatMap((n: { relatedApps: Array<{ deployments: unknown[] }> }) => n.relatedApps);
    expect(apps.length).toBeGreaterThan(0);
    expect(apps.every((a: { deployments: unknown[] }) => a.deployments.length >= 2)).toBe(true);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
  });

  it('round trip: secret → deployments (apps) → their secrets (back to us)', async () => {
    const result = await query(`{
      secrets(first: 3, filter: { sources: ["${SOURCE.sae}"] }) {
        nodes { id usedByDeployments { id secrets { id name } } }
      }
    }`);
    // The platform bundle also mounts the two deliberately bad references.
    expect((result.errors ?? []).filter((e) => e.extensions?.code !== 'NOT_FOUND' && e.extensions?.code !== 'BAD_USER_INPUT')).toEqual([]);
    expect(result.data.secrets.nodes).toHaveLength(3);
    for (const node of result.data.secrets.nodes) {
      expect(node.usedByDeployments.length).toBeGreaterThan(0);
      for (const deployment of node.usedByDeployments) expect(deployment.secrets.filter(Boolean).map((s: { id: string }) => s.id)).toContain(node.id);
    }
  });

  it('a provider error keeps its extensions through the gateway', async () => {
    stack.emulators.providers.sae.failNext('InvalidNamespaceId.NotFound', { operation: 'ListSecrets' });
    const result = await query(`{ deployment(id: "platform-bundle/prod") { secrets { name } } }`);
    const upstream = (result.errors ?? []).find((e) => e.extensions?.providerCode === 'InvalidNamespaceId.NotFound');
    expect(upstream?.extensions).toMatchObject({ code: 'UPSTREAM_NOT_FOUND', provider: 'ALIBABA_SAE', source: SOURCE.sae });
    expect(result.data.deployment).not.toBeNull();
  });
});
