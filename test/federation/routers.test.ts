import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { SOURCE } from '../helpers/expected.js';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  APPS_SDL,
  APPS_SDL_BY_ID,
  AWS_DEPLOYMENT,
  awsDeploymentFrom,
  deploymentsFrom,
  PLATFORM_BUNDLE,
  secretGlobalId,
  startAppsSubgraph,
  type Deployment,
  type NaturalKey,
} from './apps-subgraph.js';
import {
  APOLLO_PROVIDES_TYPE_CONDITION,
  HIVE_ABSTRACT_SECRET,
  HIVE_NULL_INTERFACE_OBJECT_FIELD,
  withOneKeyPerEntity,
} from './router-bugs.js';
import {
  composeSupergraph,
  ROUTER_NAMES,
  startRouter,
  type ComparedRouter,
  type Router,
  type RouterResponse,
} from './routers.js';

const { subgraphSdl } = buildSchema(PROVIDER_CATALOG);

/**
 * The same scenarios through Apollo Gateway and Hive Gateway, both over HTTP, in front of the
 * real subgraph (on the emulators) and the apps subgraph, whose SDL is frozen as it was before AWS
 * Secrets Manager (its Provider has four values). Where Hive Gateway 2.12.1 cannot hold a
 * scenario, its expectation is what Hive does, and router-bugs.test.ts reproduces the bug
 * on two tiny subgraphs: both fail together when Hive changes.
 */

interface World {
  stack: Stack;
  deployments: Deployment[];
  /** A deployment of one app (not the platform bundle): a handful of secrets. */
  appDeployment: Deployment;
}

interface Scenario {
  name: string;
  document: (world: World) => string;
  /** The client's Authorization header; the suite's full-scope token unless given (null: none). */
  authorization?: (world: World) => string | null;
  variables?: Record<string, unknown>;
  arrange?: (world: World) => void;
  expect: Record<ComparedRouter, (response: RouterResponse, world: World) => void>;
}

const both = (check: (response: RouterResponse, world: World) => void): Scenario['expect'] => ({
  apollo: check,
  hive: check,
});

const unknownId = secretGlobalId(SOURCE.sae, 'cn-hangzhou', '424242424242');
const unknownName: NaturalKey = {
  provider: 'ALIBABA_SAE',
  sourceId: SOURCE.sae,
  namespaceId: 'cn-hangzhou',
  name: 'no-such-secret',
};

const codesOf = (response: RouterResponse) => (response.errors ?? []).map((e) => e.extensions?.code);

/** Hive fails every Secret reference of the apps subgraph: nulls, one error each, and no call reaches the secrets subgraph. */
function hiveFailsEveryReference(field: 'secrets' | 'mounts', count: number) {
  return (response: RouterResponse, { stack }: World) => {
    const items = response.data.deployment[field] as unknown[];
    expect(items).toHaveLength(count);
    expect(items.every((item) => item === null)).toBe(true);
    expect(response.errors?.map((e) => [e.path?.at(-1), e.message])).toEqual(
      items.map((_, index) => [index, HIVE_ABSTRACT_SECRET]),
    );
    expect(stack.calls('sae', 'ListSecrets')).toBe(0);
  };
}

/** Stray references the apps subgraph appends to the bundle's `secrets` and to its `mounts`. */
const STRAY_COUNT = 2;

const SCENARIOS: Scenario[] = [
  {
    name: 'apps → secrets by natural key: 100 references of one namespace cost one ListSecrets',
    document: () => `{ deployment(id: "${PLATFORM_BUNDLE}") { mounts { id name provider sourceId namespaceId } } }`,
    expect: {
      apollo: (response, { stack, deployments }) => {
        const bundle = deployments.find((d) => d.id === PLATFORM_BUNDLE)!;
        const mounts = response.data.deployment.mounts.slice(0, 100);
        expect(mounts).toEqual(bundle.secrets.map((s) => ({ id: s.id, ...s.naturalKey })));
        expect(stack.calls('sae', 'ListSecrets')).toBe(1);
        expect(stack.calls('sae', 'DescribeSecret')).toBe(0);
      },
      hive: hiveFailsEveryReference('mounts', 100 + STRAY_COUNT),
    },
  },
  {
    name: 'apps → secrets by id: 100 references of one namespace cost one ListSecrets',
    document: () => `{ deployment(id: "${PLATFORM_BUNDLE}") { secrets { id name provider } } }`,
    expect: {
      apollo: (response, { stack, deployments }) => {
        const bundle = deployments.find((d) => d.id === PLATFORM_BUNDLE)!;
        expect(response.data.deployment.secrets.slice(0, 100)).toEqual(
          bundle.secrets.map((s) => ({ id: s.id, name: s.naturalKey.name, provider: 'ALIBABA_SAE' })),
        );
        expect(stack.calls('sae', 'ListSecrets')).toBe(1);
      },
      hive: hiveFailsEveryReference('secrets', 100 + STRAY_COUNT),
    },
  },
  {
    // Apollo's query planner (2.14) cannot plan a type condition below a field that @provides an
    // @interfaceObject's key; see router-bugs.test.ts. Interface fields are fine (the scenarios above).
    name: 'apps → secrets: a type condition (`... on SaeSecret`) below natural-key references',
    document: () => `{ deployment(id: "${PLATFORM_BUNDLE}") { mounts { name ... on SaeSecret { dataKeys } } } }`,
    expect: {
      apollo: (response, { stack }) => {
        expect(response.status).toBe(500);
        expect(response.errors?.map((e) => e.message)).toEqual([expect.stringMatching(APOLLO_PROVIDES_TYPE_CONDITION)]);
        expect(stack.calls('sae', 'ListSecrets')).toBe(0);
      },
      hive: hiveFailsEveryReference('mounts', 100 + STRAY_COUNT),
    },
  },
  {
    name: 'unknown and malformed references: null at their index with NOT_FOUND / BAD_USER_INPUT',
    document: () => `{ deployment(id: "${PLATFORM_BUNDLE}") { secrets { type } mounts { type } } }`,
    expect: {
      apollo: (response) => {
        const { secrets, mounts } = response.data.deployment;
        // A reference that does not resolve keeps what the apps subgraph provided: only our fields are null.
        for (const list of [secrets, mounts]) {
          expect(list.slice(0, 100).every((s: { type: string | null }) => s.type)).toBe(true);
          expect(list.slice(100)).toEqual([{ type: null }, { type: null }]);
        }
        const at = (field: string, index: number) =>
          (response.errors ?? []).filter((e) => e.path?.[1] === field && e.path[2] === index).map((e) => e.extensions);
        expect(at('secrets', 100)).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
        expect(at('secrets', 101)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'INVALID_ID' })]);
        expect(at('mounts', 100)).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
        // The right name with another provider's spelling: not that secret.
        expect(at('mounts', 101)).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
        expect(response.errors).toHaveLength(4);
      },
      hive: (response) => {
        const { secrets, mounts } = response.data.deployment;
        expect([...secrets, ...mounts].every((item) => item === null)).toBe(true);
        expect(codesOf(response).filter(Boolean)).toEqual([]);
        expect(new Set((response.errors ?? []).map((e) => e.message))).toEqual(new Set([HIVE_ABSTRACT_SECRET]));
      },
    },
  },
  {
    name: '@interfaceObject, secrets → apps: usedByDeployments on our secrets connection',
    document: () =>
      `{ secrets(first: 5, filter: { sources: ["${SOURCE.sae}"] }) { nodes { id name usedByDeployments { id } } } }`,
    expect: {
      apollo: (response, { stack, deployments }) => {
        expect(response.errors).toBeUndefined();
        const nodes = response.data.secrets.nodes as Array<{ id: string; usedByDeployments: Array<{ id: string }> }>;
        expect(nodes).toHaveLength(5);
        for (const node of nodes) {
          const expected = deployments
            .filter((d) => d.secrets.some((s) => s.id === node.id))
            .map((d) => ({ id: d.id }));
          expect(node.usedByDeployments).toEqual(expected);
          expect(expected.length).toBeGreaterThan(0);
        }
        expect(stack.calls('sae', 'ListSecrets')).toBe(1);
      },
      hive: (response) => {
        expect(response.data).toBeNull();
        expect(response.errors?.map((e) => e.message)).toEqual([
          HIVE_NULL_INTERFACE_OBJECT_FIELD('SaeSecret', 'usedByDeployments'),
        ]);
      },
    },
  },
  {
    name: "@interfaceObject round trip, apps → secrets → apps: a deployment's mounts are used by that deployment",
    document: ({ appDeployment }) =>
      `{ deployment(id: "${appDeployment.id}") { mounts { name type usedByDeployments { id } } } }`,
    expect: {
      apollo: (response, { appDeployment }) => {
        expect(response.errors).toBeUndefined();
        const mounts = response.data.deployment.mounts as Array<{
          name: string;
          type: string;
          usedByDeployments: Array<{ id: string }>;
        }>;
        expect(mounts.map((m) => m.name)).toEqual(appDeployment.secrets.map((s) => s.naturalKey.name));
        for (const mount of mounts) {
          expect(mount.type).toBeTruthy();
          expect(mount.usedByDeployments.map((d) => d.id)).toContain(appDeployment.id);
        }
      },
      hive: (response, { appDeployment }) => {
        expect(response.data.deployment.mounts).toEqual(appDeployment.secrets.map(() => null));
        expect(new Set(response.errors?.map((e) => e.message))).toEqual(new Set([HIVE_ABSTRACT_SECRET]));
      },
    },
  },
  {
    name: 'apps (frozen before AWS) → AWS secrets by id: they resolve, in one ListSecrets',
    document: () => `{ deployment(id: "${AWS_DEPLOYMENT}") { secrets { id name provider namespaceId type } } }`,
    expect: {
      apollo: (response, { stack, deployments }) => {
        expect(response.errors).toBeUndefined();
        const aws = deployments.find((d) => d.id === AWS_DEPLOYMENT)!;
        expect(response.data.deployment.secrets).toEqual(
          aws.secrets.map((s) => ({
            id: s.id,
            name: s.naturalKey.name,
            provider: 'AWS_SECRETS_MANAGER',
            namespaceId: s.naturalKey.namespaceId,
            type: null,
          })),
        );
        expect(stack.calls('aws', 'ListSecrets')).toBe(1);
      },
      hive: (response, { stack, deployments }) => {
        const count = deployments.find((d) => d.id === AWS_DEPLOYMENT)!.secrets.length;
        expect(response.data.deployment.secrets).toEqual(Array.from({ length: count }, () => null));
        expect(new Set(response.errors?.map((e) => e.message))).toEqual(new Set([HIVE_ABSTRACT_SECRET]));
        expect(stack.calls('aws', 'ListSecrets')).toBe(0);
      },
    },
  },
  {
    name: '@interfaceObject, secrets → apps (frozen before AWS): usedByDeployments on AWS secrets',
    document: () =>
      `{ secrets(first: 5, filter: { providers: [AWS_SECRETS_MANAGER] }) { nodes { id provider usedByDeployments { id } } } }`,
    expect: {
      apollo: (response, { deployments }) => {
        expect(response.errors).toBeUndefined();
        const aws = deployments.find((d) => d.id === AWS_DEPLOYMENT)!;
        const nodes = response.data.secrets.nodes as Array<{
          id: string;
          provider: string;
          usedByDeployments: unknown;
        }>;
        expect(nodes).toEqual(
          nodes.map((node) => ({
            id: node.id,
            provider: 'AWS_SECRETS_MANAGER',
            usedByDeployments: aws.secrets.some((s) => s.id === node.id) ? [{ id: AWS_DEPLOYMENT }] : [],
          })),
        );
        expect(nodes.filter((node) => aws.secrets.some((s) => s.id === node.id))).toHaveLength(aws.secrets.length);
      },
      hive: (response) => {
        expect(response.data).toBeNull();
        expect(response.errors?.map((e) => e.message)).toEqual([
          HIVE_NULL_INTERFACE_OBJECT_FIELD('AwsSecret', 'usedByDeployments'),
        ]);
      },
    },
  },
  {
    name: "filter.providers as today's clients send it: an enum literal, and a `$filter: SecretFilter` variable",
    document: () =>
      `query Today($filter: SecretFilter) {
        literal: secrets(first: 5, filter: { providers: [AWS_SECRETS_MANAGER] }) { nodes { provider } }
        variable: secrets(first: 5, filter: $filter) { nodes { provider } }
      }`,
    variables: { filter: { providers: ['ALIBABA_KMS'] } },
    expect: both((response) => {
      expect(response.errors).toBeUndefined();
      expect(response.data).toEqual({
        literal: { nodes: Array.from({ length: 5 }, () => ({ provider: 'AWS_SECRETS_MANAGER' })) },
        variable: { nodes: Array.from({ length: 5 }, () => ({ provider: 'ALIBABA_KMS' })) },
      });
    }),
  },
  {
    name: 'secrets → apps through RelatedApp @key(appId): deployments added by the other subgraph',
    document: () =>
      `{ secrets(first: 20, filter: { sources: ["${SOURCE.sae}"] }) { nodes { name ... on SaeSecret { relatedApps { appId deployments { environment } } } } } }`,
    expect: both((response, { stack }) => {
      expect(response.errors).toBeUndefined();
      const apps = response.data.secrets.nodes.flatMap(
        (n: { relatedApps: Array<{ deployments: unknown[] }> }) => n.relatedApps,
      );
      expect(apps.length).toBeGreaterThan(0);
      expect(apps.every((a: { deployments: unknown[] }) => a.deployments.length >= 2)).toBe(true);
      expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    }),
  },
  {
    name: 'grants through Authorization: a token narrowed to one namespace sees only that namespace',
    authorization: ({ stack }) =>
      `Bearer ${stack.token({ subject: 'narrow', scopes: ['secrets:read'], namespaces: [`${SOURCE.sae}/${stack.emulators.data.sae.namespaces[1].NamespaceId}`] })}`,
    document: () => `{ secrets(first: 100) { nodes { sourceId namespaceId } } sources { id } }`,
    expect: both((response, { stack }) => {
      expect(response.errors).toBeUndefined();
      const granted = stack.emulators.data.sae.namespaces[1].NamespaceId;
      const expected = stack.emulators.data.sae.secrets.filter((s) => s.NamespaceId === granted).length;
      expect(response.data.secrets.nodes).toEqual(
        Array.from({ length: Math.min(expected, 100) }, () => ({ sourceId: SOURCE.sae, namespaceId: granted })),
      );
      expect(response.data.sources).toEqual([{ id: SOURCE.sae }]);
    }),
  },
  {
    name: 'grants through Authorization: references outside a narrowed grant are NOT_FOUND, without a call',
    authorization: ({ stack }) =>
      `Bearer ${stack.token({ subject: 'narrow', scopes: ['secrets:read'], namespaces: [`${SOURCE.sae}/${stack.emulators.data.sae.namespaces[1].NamespaceId}`] })}`,
    document: ({ appDeployment }) => `{ deployment(id: "${appDeployment.id}") { mounts { name type } } }`,
    expect: {
      apollo: (response, { stack, appDeployment }) => {
        const outside = appDeployment.secrets.map(
          (s) => s.naturalKey.namespaceId !== stack.emulators.data.sae.namespaces[1].NamespaceId,
        );
        expect(outside.every(Boolean)).toBe(true);
        expect(response.data.deployment.mounts).toEqual(
          appDeployment.secrets.map((s) => ({ name: s.naturalKey.name, type: null })),
        );
        expect(codesOf(response)).toEqual(appDeployment.secrets.map(() => 'NOT_FOUND'));
        expect(stack.calls('sae', 'ListSecrets')).toBe(0);
      },
      hive: (response, { appDeployment }) => {
        expect(response.data.deployment.mounts).toEqual(appDeployment.secrets.map(() => null));
        expect(new Set(response.errors?.map((e) => e.message))).toEqual(new Set([HIVE_ABSTRACT_SECRET]));
      },
    },
  },
  {
    name: 'no credential: our UNAUTHENTICATED reaches the client',
    authorization: () => null,
    document: () => `{ sources { id } }`,
    expect: both((response) => {
      expect(response.data?.sources ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    }),
  },
  {
    name: 'an upstream fault on references reaches the client with its code, provider and source',
    arrange: ({ stack }) =>
      stack.emulators.providers.sae.failNext('InvalidNamespaceId.NotFound', { operation: 'ListSecrets' }),
    document: ({ appDeployment }) => `{ deployment(id: "${appDeployment.id}") { id mounts { name type } } }`,
    expect: {
      apollo: (response, { appDeployment }) => {
        expect(response.data.deployment.id).toBe(appDeployment.id);
        expect(response.data.deployment.mounts).toEqual(
          appDeployment.secrets.map((s) => ({ name: s.naturalKey.name, type: null })),
        );
        expect(response.errors?.map((e) => e.extensions)).toEqual(
          appDeployment.secrets.map(() =>
            expect.objectContaining({
              code: 'UPSTREAM_NOT_FOUND',
              provider: 'ALIBABA_SAE',
              source: SOURCE.sae,
              providerCode: 'InvalidNamespaceId.NotFound',
            }),
          ),
        );
      },
      hive: (response, { stack, appDeployment }) => {
        expect(response.data.deployment.mounts).toEqual(appDeployment.secrets.map(() => null));
        expect(new Set(response.errors?.map((e) => e.message))).toEqual(new Set([HIVE_ABSTRACT_SECRET]));
        expect(stack.calls('sae', 'ListSecrets')).toBe(0);
      },
    },
  },
  {
    name: 'an upstream fault on our own field reaches the client with its code, provider and source',
    arrange: ({ stack }) =>
      stack.emulators.providers.sae.failNext('InvalidNamespaceId.NotFound', { operation: 'ListSecrets' }),
    document: () =>
      `{ secrets(first: 5, filter: { sources: ["${SOURCE.sae}"] }) { nodes { name } interruption { source provider code } } }`,
    expect: {
      apollo: (response) => {
        expect(response.data.secrets.interruption).toEqual({
          source: SOURCE.sae,
          provider: 'ALIBABA_SAE',
          code: 'UPSTREAM_NOT_FOUND',
        });
        expect(response.errors?.map((e) => e.extensions)).toEqual([
          expect.objectContaining({ code: 'UPSTREAM_NOT_FOUND', provider: 'ALIBABA_SAE', source: SOURCE.sae }),
        ]);
      },
      // Hive keeps a subgraph error only where the data is null: beside a non-null connection it is
      // dropped (as for _entities), and `interruption` is what tells the client.
      hive: (response) => {
        expect(response.data.secrets.interruption).toEqual({
          source: SOURCE.sae,
          provider: 'ALIBABA_SAE',
          code: 'UPSTREAM_NOT_FOUND',
        });
        expect(response.errors).toBeUndefined();
      },
    },
  },
];

describe('through real routers over HTTP (Apollo Gateway, Hive Gateway)', () => {
  let stack: Stack;
  let apps: Awaited<ReturnType<typeof startAppsSubgraph>>;
  let deployments: Deployment[];
  const routers = new Map<ComparedRouter, Router>();

  beforeAll(async () => {
    stack = await startStack();
    deployments = deploymentsFrom(stack.emulators.data.sae, SOURCE.sae);
    deployments.push(awsDeploymentFrom(stack.emulators.data.aws, SOURCE.aws, deployments[0].appId));
    const bundleKey = deployments.find((d) => d.id === PLATFORM_BUNDLE)!.secrets[0].naturalKey;
    apps = await startAppsSubgraph(deployments, {
      ids: [unknownId, 'not-an-id'],
      naturalKeys: [unknownName, { ...bundleKey, provider: 'ALIBABA_KMS' }],
    });
    const supergraph = composeSupergraph([
      { name: 'secrets', typeDefs: subgraphSdl, url: `${stack.server.url}/graphql` },
      { name: 'apps', typeDefs: APPS_SDL, url: apps.url },
    ]);
    for (const name of ROUTER_NAMES) routers.set(name, await startRouter(name, supergraph));
  });
  afterAll(async () => {
    for (const router of routers.values()) await router.close();
    await apps?.close();
    await stack?.close();
  });
  beforeEach(() => stack.emulators.reset());

  describe.each(ROUTER_NAMES)('%s', (routerName) => {
    it.each(SCENARIOS)('$name', async (scenario) => {
      const router = routers.get(routerName)!;
      const defaultNamespace = stack.emulators.data.sae.namespaces[0].NamespaceId;
      const appDeployment = deployments.find(
        (d) =>
          d.id !== PLATFORM_BUNDLE &&
          d.secrets.length >= 2 &&
          d.secrets.every((s) => s.naturalKey.namespaceId === defaultNamespace),
      )!;
      const world: World = { stack, deployments, appDeployment };
      scenario.arrange?.(world);
      const authorization = scenario.authorization ? scenario.authorization(world) : stack.authHeaders.authorization;
      const response = await router.query(scenario.document(world), {
        variables: scenario.variables,
        authorization: authorization ?? undefined,
      });
      scenario.expect[routerName](response, world);
    });
  });

  // The shape that avoids Hive's @interfaceObject bug, checked on the served subgraph: it works,
  // but it takes the natural key away from everyone (not adopted; README, "Hive Gateway").
  describe('hive, with one @key per entity in the supergraph (the shape not adopted)', () => {
    let appsById: Awaited<ReturnType<typeof startAppsSubgraph>>;
    let hive: Router;

    beforeAll(async () => {
      appsById = await startAppsSubgraph(deployments, { ids: [unknownId] }, APPS_SDL_BY_ID);
      const supergraph = composeSupergraph([
        { name: 'secrets', typeDefs: withOneKeyPerEntity(subgraphSdl), url: `${stack.server.url}/graphql` },
        { name: 'apps', typeDefs: APPS_SDL_BY_ID, url: appsById.url },
      ]);
      hive = await startRouter('hive', supergraph);
    });
    afterAll(async () => {
      await hive?.close();
      await appsById?.close();
    });

    it('apps → secrets by id: 100 references cost one ListSecrets; the unknown one is null, its NOT_FOUND dropped', async () => {
      const response = await hive.query(`{ deployment(id: "${PLATFORM_BUNDLE}") { secrets { id name type } } }`, {
        authorization: stack.authHeaders.authorization,
      });
      const bundle = deployments.find((d) => d.id === PLATFORM_BUNDLE)!;
      expect(
        response.data.deployment.secrets.slice(0, 100).map((s: { id: string; name: string }) => [s.id, s.name]),
      ).toEqual(bundle.secrets.map((s) => [s.id, s.naturalKey.name]));
      expect(response.data.deployment.secrets[100]).toBeNull();
      expect(response.errors).toBeUndefined();
      expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    });

    it('apps (frozen before AWS) → AWS secrets by id: they resolve, in one ListSecrets', async () => {
      const response = await hive.query(`{ deployment(id: "${AWS_DEPLOYMENT}") { secrets { id name provider } } }`, {
        authorization: stack.authHeaders.authorization,
      });
      expect(response.errors).toBeUndefined();
      expect(response.data.deployment.secrets).toEqual(
        deployments
          .find((d) => d.id === AWS_DEPLOYMENT)!
          .secrets.map((s) => ({ id: s.id, name: s.naturalKey.name, provider: 'AWS_SECRETS_MANAGER' })),
      );
      expect(stack.calls('aws', 'ListSecrets')).toBe(1);
    });

    it('@interfaceObject both ways: secrets → usedByDeployments → their secrets', async () => {
      const response = await hive.query(
        `{ secrets(first: 5, filter: { sources: ["${SOURCE.sae}"] }) { nodes { id usedByDeployments { id secrets { id } } } } }`,
        {
          authorization: stack.authHeaders.authorization,
        },
      );
      expect(response.errors).toBeUndefined();
      for (const node of response.data.secrets.nodes as Array<{
        id: string;
        usedByDeployments: Array<{ id: string; secrets: Array<{ id: string } | null> }>;
      }>) {
        expect(node.usedByDeployments.map((d) => d.id)).toEqual(
          deployments.filter((d) => d.secrets.some((s) => s.id === node.id)).map((d) => d.id),
        );
        for (const deployment of node.usedByDeployments)
          expect(deployment.secrets.map((s) => s?.id)).toContain(node.id);
      }
    });
  });
});
