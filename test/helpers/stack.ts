import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import {
  demoToken,
  embeddedConfig,
  startEmulators,
  type EmulatorSet,
  type EmulatorSetOptions,
} from '../../src/emulators/index.js';
import { createLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { listen, type RunningServer } from '../../src/server/listen.js';
import { PROVIDER_CATALOG, type ProvidersConfig } from '../../src/providers/index.js';

export interface ExecuteResult<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

export interface Stack {
  emulators: EmulatorSet;
  config: ProvidersConfig;
  gateway: Gateway;
  server: RunningServer;
  /** Everything the gateway logged, for leak checks. */
  logs: string[];
  /** Sends the document with the full-scope demo token, unless `headers` carry their own credential. */
  execute<T, V>(
    document: TypedDocumentNode<T, V>,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<ExecuteResult<T>>;
  /** A token for this stack's HS256 key: read + reveal on every source unless narrowed. */
  token(grant?: Parameters<typeof demoToken>[1]): string;
  /** `{ authorization: "Bearer <full-scope token>" }`, for requests made without `execute`. */
  authHeaders: Record<string, string>;
  /** Upstream calls per emulator operation since the last reset. */
  calls(provider: keyof EmulatorSet['servers'], operation: string): number;
  resetCounters(): void;
  /** Another gateway process-alike on the same configuration and emulators (a second replica of the fleet). */
  replica(): Promise<Replica>;
  close(): Promise<void>;
}

/** One more gateway of the fleet: its own caches, limiter and server, the stack's configuration. */
export interface Replica {
  gateway: Gateway;
  server: RunningServer;
  logs: string[];
  execute<T, V>(
    document: TypedDocumentNode<T, V>,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<ExecuteResult<T>>;
  close(): Promise<void>;
}

/** Emulators + gateway on loopback, talking real HTTP end to end. */
export async function startStack(
  options: EmulatorSetOptions & {
    configure?: (config: ProvidersConfig) => void;
    /** Runs before the gateway starts (its inventory's first sync begins at once): faults, latency. */
    beforeGateway?: (emulators: EmulatorSet) => void;
    captureLogs?: boolean /** GraphiQL prefilled with the full-scope token, as in the demo. */;
    graphiqlToken?: boolean;
  } = {},
): Promise<Stack> {
  const emulators = await startEmulators(options);
  const config = embeddedConfig(emulators, {}, { port: 0 });
  config.cursorSecret = 'test-cursor-secret-0123456789';
  // Call-count tests need every request to reach the emulators; cache tests turn it on.
  for (const source of config.sources) source.cache = { ttlMs: 0, staleMs: 0, readAhead: false };
  // Live reads unless a test configures the inventory: call counts stay exact.
  delete config.inventory;
  options.configure?.(config);
  options.beforeGateway?.(emulators);
  const authHeaders = { authorization: `Bearer ${demoToken(config, { subject: 'test-suite' })}` };
  const startReplica = async (): Promise<Replica> => {
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        // Long runs (the soak) measure the gateway's memory, not a growing array of log lines.
        if (options.captureLogs !== false) logs.push(String(chunk));
        done();
      },
    });
    const gateway = createGateway(
      PROVIDER_CATALOG,
      config,
      createLogger({ level: 'debug', destination }),
      options.graphiqlToken ? { graphiqlHeaders: { Authorization: authHeaders.authorization } } : {},
    );
    // A configured Redis is connected before the first request, as a deployment's readiness probe would wait.
    await gateway.redis?.ready(5000);
    const server = await listen(gateway, '127.0.0.1', 0);
    return {
      gateway,
      server,
      logs,
      execute: (document, variables, headers) => executeOn(server.url, authHeaders, document, variables, headers),
      close: () => server.close(1000),
    };
  };
  const { gateway, server, logs } = await startReplica();
  const replicas: Replica[] = [];
  return {
    token: (grant) => demoToken(config, grant),
    authHeaders,
    emulators,
    config,
    gateway,
    server,
    logs,
    execute: (document, variables, headers) => executeOn(server.url, authHeaders, document, variables, headers),
    calls: (provider, operation) => emulators.servers[provider].calls(operation),
    resetCounters: () => {
      for (const s of Object.values(emulators.servers)) s.resetStats();
    },
    async replica() {
      const replica = await startReplica();
      replicas.push(replica);
      return replica;
    },
    async close() {
      await Promise.all(replicas.map((r) => r.close()));
      await server.close(1000);
      await emulators.stop();
    },
  };
}

async function executeOn<T, V>(
  url: string,
  authHeaders: Record<string, string>,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  headers: Record<string, string> = {},
): Promise<ExecuteResult<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(Object.keys(headers).some((h) => /^(authorization|x-api-key)$/i.test(h)) ? {} : authHeaders),
      ...headers,
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: never; errors?: GraphQLFormattedError[] };
  return { status: response.status, data: body.data as T | null | undefined, errors: body.errors };
}

export function expectData<T>(result: ExecuteResult<T>): T {
  if (result.errors?.length) throw new Error(`unexpected GraphQL errors: ${JSON.stringify(result.errors, null, 2)}`);
  if (!result.data) throw new Error('no data');
  return result.data;
}

/** The global ID the gateway gives a namespace. */
export function namespaceGlobalId(sourceId: string, namespaceId: string): string {
  return Buffer.from(`Namespace:${JSON.stringify([sourceId, namespaceId])}`).toString('base64url');
}
