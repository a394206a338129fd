import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { useApolloFederation } from '@envelop/apollo-federation';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { parse, type DocumentNode } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { listenOnLoopback } from './loopback.js';

/**
 * `hive-planner` is Hive Gateway with the Hive Router query planner (`unifiedGraphHandler` from
 * @graphql-hive/router-runtime): it mends Hive's two bugs on tiny subgraphs but aborts the process
 * on ours (router-bugs.test.ts), so the scenario table runs the two routers in ROUTER_NAMES.
 */
export type RouterName = 'apollo' | 'hive' | 'hive-planner';
export const ROUTER_NAMES = ['apollo', 'hive'] as const satisfies readonly RouterName[];
export type ComparedRouter = (typeof ROUTER_NAMES)[number];

export interface Subgraph {
  name: string;
  typeDefs: DocumentNode | string;
  url: string;
}

export interface RouterResponse {
  status: number;
  data?: any;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

export interface Router {
  name: RouterName;
  url: string;
  /** POSTs the document as a client would; `authorization` is forwarded to every subgraph. */
  query(
    document: string,
    options?: { variables?: Record<string, unknown>; authorization?: string },
  ): Promise<RouterResponse>;
  close(): Promise<void>;
}

/**
 * Composes with @apollo/composition: @theguild/federation-composition 0.27 drops `@external` on
 * an @interfaceObject's key fields, and the routers would then ask the wrong subgraph for them.
 */
export function composeSupergraph(subgraphs: readonly Subgraph[]): string {
  const result = composeServices(
    subgraphs.map((s) => ({
      name: s.name,
      url: s.url,
      typeDefs: typeof s.typeDefs === 'string' ? parse(s.typeDefs) : s.typeDefs,
    })),
  );
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.supergraphSdl;
}

function clientOf(url: string): Router['query'] {
  return async (document, { variables = {}, authorization } = {}) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify({ query: document, variables }),
    });
    return { status: response.status, ...((await response.json()) as Omit<RouterResponse, 'status'>) };
  };
}

/** Apollo Gateway 2 served by yoga, forwarding the client's Authorization to every subgraph. */
async function startApolloGateway(supergraphSdl: string): Promise<Router> {
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ request?: Request }>({
        url,
        willSendRequest: ({ request, context }) => {
          const authorization = context.request?.headers.get('authorization');
          if (authorization) request.http?.headers.set('authorization', authorization);
        },
      }),
  });
  await gateway.load();
  const yoga = createYoga({
    schema: gateway.schema!,
    plugins: [useApolloFederation({ gateway })],
    logging: false,
    maskedErrors: false,
  });
  const { url, close } = await listenOnLoopback(yoga);
  return {
    name: 'apollo',
    url,
    query: clientOf(url),
    close: async () => {
      await close();
      await gateway.stop();
    },
  };
}

/** Hive Gateway runtime, configured as the README tells Hive users to (errors unmasked, Authorization forwarded). */
async function startHiveGateway(supergraphSdl: string, withHiveRouterPlanner: boolean): Promise<Router> {
  const gateway = createGatewayRuntime({
    supergraph: supergraphSdl,
    ...(withHiveRouterPlanner ? { unifiedGraphHandler } : {}),
    maskedErrors: false,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
    },
  });
  const { url, close } = await listenOnLoopback(gateway);
  return {
    name: withHiveRouterPlanner ? 'hive-planner' : 'hive',
    url,
    query: clientOf(url),
    close: async () => {
      await close();
      await gateway.dispose();
    },
  };
}

export function startRouter(name: RouterName, supergraphSdl: string): Promise<Router> {
  return name === 'apollo'
    ? startApolloGateway(supergraphSdl)
    : startHiveGateway(supergraphSdl, name === 'hive-planner');
}
