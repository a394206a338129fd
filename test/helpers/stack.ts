import { Writable } from 'node:stream';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import type { GatewayConfig } from '../../src/config.js';
import { demoToken, embeddedConfig, startEmulators, type EmulatorSet, type EmulatorSetOptions } from '../../src/emulators/index.js';
import { createLogger } from '../../src/logger.js';
import { createGateway, type Gateway } from '../../src/server/app.js';
import { listen, type RunningServer } from '../../src/server/listen.js';

export interface ExecuteResult<T> {
  status: number;
  data: T | null | undefined;
  errors: GraphQLFormattedError[] | undefined;
}

export interface Stack {
  emulators: EmulatorSet;
  config: GatewayConfig;
  gateway: Gateway;
  server: RunningServer;
  /** Everything the gateway logged, for leak checks. */
  logs: string[];
  /** Sends the document with the full-scope demo token, unless `headers` carry their own credential. */
  execute<T, V>(document: TypedDocumentNode<T, V>, variables?: V, headers?: Record<string, string>): Promise<ExecuteResult<T>>;
  /** A token for this stack's HS256 key: read + reveal on every source unless narrowed. */
  token(grant?: Parameters<typeof demoToken>[1]): string;
  /** `{ authorization: "Bearer <full-scope token>" }`, for requests made without `execute`. */
  authHeaders: Record<string, string>;
  /** Upstream calls per emulator operation since the last reset. */
  calls(provider: keyof EmulatorSet['servers'], operation: string): number;
  resetCounters(): void;
  close(): Promise<void>;
}

/** Emulators + gateway on loopback, talking real HTTP end to end. */
export async function startStack(
  options: EmulatorSetOptions & { configure?: (config: GatewayConfig) => void; captureLogs?: boolean; /** GraphiQL prefilled with the full-scope token, as in the demo. */ graphiqlToken?: boolean } = {},
): Promise<Stack> {
  const emulators = await startEmulators(options);
  const config = embeddedConfig(emulators, {}, { port: 0 });
  config.cursorSecret = 'test-cursor-secret-0123456789';
  // Call-count tests need every request to reach the emulators; cache tests turn it on.
  for (const source of config.sources) source.cache = { ttlMs: 0, staleMs: 0, readAhead: false };
  options.configure?.(config);
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      // Long runs (the soak) measure the gateway's memory, not a growing array of log lines.
      if (options.captureLogs !== false) logs.push(String(chunk));
      done();
    },
  });
  const authHeaders = { authorization: `Bearer ${demoToken(config, { subject: 'test-suite' })}` };
  const gateway = createGateway(config, createLogger({ level: 'debug', destination }), options.graphiqlToken ? { graphiqlHeaders: { Authorization: authHeaders.authorization } } : {});
  const server = await listen(gateway, '127.0.0.1', 0);
  return {
    token: (grant) => demoToken(config, grant),
    authHeaders,
    emulators,
    config,
    gateway,
    server,
    logs,
    async execute(document, variables, headers = {}) {
      const response = await fetch(`${server.url}/graphql`, {
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
      return { status: response.status, data: body.data, errors: body.errors };
    },
    calls: (provider, operation) => emulators.servers[provider].calls(operation),
    resetCounters: () => Object.values(emulators.servers).forEach((s) => s.resetStats()),
    async close() {
      await server.close(1000);
      await emulators.stop();
    },
  };
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
