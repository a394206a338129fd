import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import type { SaeSeed } from '../../src/emulators/alibaba-data.js';

/**
 * A small second subgraph, as another team would own it: deployments of SAE applications. It
 * extends RelatedApp (by appId) with deployments, references secrets by their global id through
 * the Secret entity interface, and has a Relay `node` field of its own.
 */
export const APPS_TYPE_DEFS = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@interfaceObject", "@shareable"])

  interface Node {
    id: ID!
  }

  type RelatedApp @key(fields: "appId") {
    appId: String!
    deployments: [Deployment!]!
  }

  type Secret @key(fields: "id") @interfaceObject {
    id: ID!
    usedByDeployments: [Deployment!]!
  }

  type Deployment implements Node {
    id: ID!
    environment: String!
    app: RelatedApp!
    secrets: [Secret]!
  }

  type Query {
    deployments: [Deployment!]!
    deployment(id: ID!): Deployment
    node(id: ID!): Node
  }
`);

interface Deployment {
  id: string;
  environment: string;
  appId: string;
  secretIds: string[];
}

export function secretGlobalId(sourceId: string, namespaceId: string, secretId: string): string {
  return Buffer.from(`SaeSecret:${JSON.stringify([sourceId, namespaceId, secretId])}`).toString('base64url');
}

/** Deployments for every SAE app in the seed, plus one that mounts 100 secrets of one namespace. */
export function deploymentsFrom(seed: SaeSeed, sourceId: string): Deployment[] {
  const byApp = new Map<string, string[]>();
  for (const secret of seed.secrets) {
    for (const app of secret.RelateApps) {
      const list = byApp.get(app.AppId) ?? [];
      list.push(secretGlobalId(sourceId, secret.NamespaceId, String(secret.SecretId)));
      byApp.set(app.AppId, list);
    }
  }
  const deployments: Deployment[] = [...byApp].flatMap(([appId, secretIds]) =>
    ['prod', 'staging'].map((environment) => ({ id: `${appId}/${environment}`, environment, appId, secretIds })),
  );
  const defaultNamespace = seed.namespaces[0].NamespaceId;
  const hundred = seed.secrets.filter((s) => s.NamespaceId === defaultNamespace).slice(0, 100);
  deployments.push({
    id: 'platform-bundle/prod',
    environment: 'prod',
    appId: seed.secrets.find((s) => s.RelateApps.length > 0)!.RelateApps[0].AppId,
    secretIds: hundred.map((s) => secretGlobalId(sourceId, s.NamespaceId, String(s.SecretId))),
  });
  return deployments;
}

export async function startAppsSubgraph(deployments: Deployment[], extraSecretIds: string[] = []): Promise<{ url: string; close(): Promise<void> }> {
  const deployment = (d: Deployment) => ({ ...d, app: { appId: d.appId }, secrets: d.secretIds.map((id) => ({ id })) });
  const schema = buildSubgraphSchema({
    typeDefs: APPS_TYPE_DEFS,
    resolvers: {
      Query: {
        deployments: () => deployments.map(deployment),
        deployment: (_: unknown, { id }: { id: string }) => {
          const found = deployments.find((d) => d.id === id);
          return found ? deployment(found) : null;
        },
        node: () => null,
      },
      Node: { __resolveType: () => 'Deployment' },
      RelatedApp: {
        __resolveReference: (ref: { appId: string }) => ref,
        deployments: (app: { appId: string }) => deployments.filter((d) => d.appId === app.appId).map(deployment),
      },
      Secret: {
        __resolveReference: (ref: { id: string }) => ref,
        usedByDeployments: (secret: { id: string }) => deployments.filter((d) => d.secretIds.includes(secret.id)).map(deployment),
      },
      Deployment: {
        // Lets a test reference a secret this subgraph does not hold (an unknown or malformed id).
        secrets: (d: ReturnType<typeof deployment>) => (d.id === 'platform-bundle/prod' ? [...d.secrets, ...extraSecretIds.map((id) => ({ id }))] : d.secrets),
      },
    },
  });
  const yoga = createYoga({ schema, graphqlEndpoint: '/graphql', logging: false });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
