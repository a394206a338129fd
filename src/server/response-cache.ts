import { createHash } from 'node:crypto';
import { createRedisCache } from '@envelop/response-cache-redis';
import { createInMemoryCache, useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { isObjectType, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { cachePolicyOf, type GatewayConfig } from '../config.js';
import type { Inventory } from '../inventory/inventory.js';
import type { RedisLink } from '../redis/link.js';

/** Fields that reveal secret values (those behind the reveal scope): a response holding one is never cached. */
export function valueFieldsOf(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap()).flatMap((type) =>
    isObjectType(type)
      ? Object.values(type.getFields())
          .filter(
            (field) =>
              (field.extensions as { pothosOptions?: { authScopes?: { reveal?: boolean } } }).pothosOptions?.authScopes
                ?.reveal === true,
          )
          .map((field) => `${type.name}.${field.name}`)
      : [],
  );
}

/**
 * A page reached through a cursor is one step of a walk: the provider pages under it are in the
 * metadata cache already, and the same cursor rarely comes twice, so caching the whole response
 * would only cost a pass over every row (the plugin records each entity) and the memory to hold it.
 */
export function continuesWalk(params: { query?: string; variables?: Record<string, unknown> } | undefined): boolean {
  if (!params) return false;
  const variables = params.variables ?? {};
  if (variables.after != null || variables.before != null) return true;
  return /\b(?:after|before)\s*:\s*"/.test(params.query ?? '');
}

/**
 * The response's key: its operation, variables and session, and what the inventory serves now
 * (`Inventory.servingKey`: a sync's changes miss the cache at once), hashed synchronously
 * (WebCrypto's digest is a thread-pool job per request).
 */
function responseKey(
  params: {
    documentString: string;
    operationName?: string | null;
    variableValues?: Record<string, unknown> | null;
    sessionId?: string | null;
  },
  inventory: Inventory | null,
): string {
  return createHash('sha256')
    .update(inventory ? inventory.servingKey() : '')
    .update('|')
    .update(params.documentString)
    .update('|')
    .update(params.operationName ?? '')
    .update('|')
    .update(JSON.stringify(params.variableValues ?? {}))
    .update('|')
    .update(params.sessionId ?? '')
    .digest('hex');
}

/**
 * Whole responses of metadata queries, cached for the shortest TTL of the sources (off when any
 * source's cache is off), per credential: a response is only ever served to a request presenting
 * the same token or key, which authentication has already verified. Responses with errors (a source
 * failed), with values or with the change feed are not cached; subscriptions never are. With Redis the cache is the fleet's, and this
 * replica's memory while Redis is away.
 */
export function responseCachePlugins(
  config: GatewayConfig,
  schema: GraphQLSchema,
  inventory: Inventory | null,
  redis?: RedisLink,
): Plugin[] {
  const ttl = Math.min(...config.sources.map((source) => cachePolicyOf(source).ttlMs));
  if (!(ttl > 0)) return [];
  return [
    useResponseCache({
      ttl,
      enabled: (_request, context) =>
        !continuesWalk((context as { params?: Parameters<typeof continuesWalk>[0] }).params),
      buildResponseCacheKey: (params) => responseKey(params, inventory),
      cache: redis ? sharedResponseCache(redis) : undefined,
      session: (request) => {
        const credential = request.headers.get('authorization') ?? request.headers.get('x-api-key');
        return credential ? createHash('sha256').update(credential).digest('base64url') : null;
      },
      // The change feed moves with every sync: a cached page would hide changes from a poller.
      ttlPerSchemaCoordinate: Object.fromEntries(
        [...valueFieldsOf(schema), 'Query.secretChanges', 'Query.inventory'].map((field) => [field, 0]),
      ),
      shouldCacheResult: ({ result }) => !result.errors?.length,
      invalidateViaMutation: false,
      includeExtensionMetadata: false,
    }) as Plugin,
  ];
}

/**
 * Redis (@envelop/response-cache-redis) while it answers, this replica's memory otherwise. Nothing
 * is invalidated by entity (the schema has no mutations), so no entity index is written: only the
 * response itself, under `response:<key>`, expiring with its TTL.
 */
function sharedResponseCache(link: RedisLink): Cache {
  const shared = createRedisCache({ redis: link.client });
  const local = createInMemoryCache();
  const key = (id: string) => `response:${id}`;
  return {
    async get(id) {
      if (link.up) {
        try {
          return await shared.get(key(id));
        } catch {
          link.commandFailed();
        }
      }
      link.fellBack('response-cache');
      return local.get(id);
    },
    async set(id, data, _entities, ttl) {
      if (link.up) {
        try {
          return await shared.set(key(id), data, [], ttl);
        } catch {
          link.commandFailed();
        }
      }
      link.fellBack('response-cache');
      return local.set(id, data, [], ttl);
    },
    invalidate: () => undefined,
  };
}
