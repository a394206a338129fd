import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { MetadataCache } from '../cache/metadata-cache.js';
import { RedisLink } from '../redis/link.js';
import { RedisMetadataCache } from '../redis/metadata-cache.js';
import { cachePolicyOf, inventoryPolicyOf, type GatewayConfig } from '../config.js';
import { InventoryFleet } from '../inventory/fleet.js';
import { Inventory } from '../inventory/inventory.js';
import { createContext, type AppServices, type GatewayContext } from '../context.js';
import type { Logger } from '../logger.js';
import { CursorCodec } from '../pagination/cursor.js';
import { buildSchema } from '../schema/index.js';
import type { SchemaProvider } from '../schema/secret-node.js';
import type { ProviderCatalog } from '../sources/catalog.js';
import { createRegistry, type SourceRegistry } from '../sources/registry.js';
import type { Registry } from 'prom-client';
import { EXAMPLE_TABS } from './examples.js';
import { useCompiledExecution } from './compiled-execution.js';
import { useRequestErrorCodes } from './error-codes.js';
import { useReadiness } from './health.js';
import { responseCachePlugins } from './response-cache.js';
import { createMetrics } from './metrics.js';
import { usePartialErrors } from './partial-errors.js';
import { requestIdOf, useRequestId } from './request-id.js';
import { callerOf } from './authentication.js';
import { securityPlugins } from './security.js';
import { useGraphiQLAssets, useGraphiQLPage } from './graphiql.js';
import { useServedPaths } from './served-paths.js';
import { useSubscriptionEvents } from './subscription-events.js';
import { unexpectedErrorLogging } from './error-log.js';

const GRAPHQL_ENDPOINT = '/graphql';
const HEALTH_ENDPOINT = '/healthz';
const READINESS_ENDPOINT = '/readyz';
const METRICS_ENDPOINT = '/metrics';

export interface GatewayOptions {
  /** Headers GraphiQL starts with (the embedded demo puts its token here). */
  graphiqlHeaders?: Record<string, string>;
  /** Where reveal audit lines go (each line carries `audit: true`); default: `logger`. */
  audit?: Logger;
}

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  services: AppServices;
  metrics: Registry;
  /** From now on /readyz answers 503, so that traffic moves away before the drain. */
  startDraining(): void;
  /** The fleet's shared state (absent without `redis` in the configuration). */
  redis?: RedisLink;
  /** Lets go of what outlives requests (the Redis connection). */
  close(): Promise<void>;
}

/**
 * The whole gateway as a fetch handler: testable through `yoga.fetch` with no socket. `catalog` is
 * the providers it speaks to (src/providers/index.ts's PROVIDER_CATALOG, or a test's own).
 */
export function createGateway(
  catalog: ProviderCatalog<SchemaProvider>,
  config: GatewayConfig,
  logger: Logger,
  options: GatewayOptions = {},
): Gateway {
  const { schema } = buildSchema(catalog);
  // Only a configured Redis is ever contacted: without one, every replica keeps its own state.
  const redis = config.redis ? new RedisLink(config.redis, logger) : undefined;
  const registry = createRegistry(catalog, config, logger, redis);
  const services: AppServices = {
    catalog,
    registry,
    inventory: inventoryOf(catalog, config, registry, logger, redis),
    cursors: new CursorCodec(config.cursorSecret, { compatible: config.compatibleCursors }),
    logger,
    requestDeadlineMs: config.server.requestDeadlineMs,
    totals: new Map(),
    cache: redis ? new RedisMetadataCache(redis, new MetadataCache()) : new MetadataCache(),
    cachePolicies: new Map(config.sources.map((source) => [source.id, cachePolicyOf(source)])),
    audit: options.audit ?? logger.child({ component: 'audit' }),
  };
  const graphiqlHeaders = options.graphiqlHeaders && JSON.stringify(options.graphiqlHeaders);
  const metrics = createMetrics(services.registry, redis);
  let draining = false;
  const errorLog = unexpectedErrorLogging(logger);
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    healthCheckEndpoint: HEALTH_ENDPOINT,
    landingPage: false,
    // Served by useGraphiQLPage, inside the one decision about paths.
    graphiql: false,
    maskedErrors: { maskError: errorLog.maskError },
    logging: errorLog.yogaLogger,
    // The body's size is useRequestBody's: yoga's counter streams every body, even one with a length.
    maxRequestBodySize: false,
    // No upload in the schema: a multipart body is nothing but a way around the JSON parser.
    multipart: false,
    context: ({ request }) => createContext(services, requestIdOf(request), callerOf(request)),
    plugins: [
      // GraphiQL's files live under their own prefix, answered (or 404) before the path decision.
      ...(config.server.graphiql ? [useGraphiQLAssets()] : []),
      useServedPaths(GRAPHQL_ENDPOINT, [HEALTH_ENDPOINT, READINESS_ENDPOINT, METRICS_ENDPOINT]),
      ...(config.server.graphiql
        ? [
            useGraphiQLPage(GRAPHQL_ENDPOINT, {
              title: 'secrets-gateway',
              defaultTabs: EXAMPLE_TABS.map((tab) => ({ ...tab, headers: graphiqlHeaders })),
              headers: graphiqlHeaders,
              defaultHeaders: graphiqlHeaders,
            }),
          ]
        : []),
      useRequestId(),
      errorLog.plugin,
      useReadiness(services.registry, () => draining, redis),
      metrics.plugin,
      ...securityPlugins(config, logger),
      ...useCompiledExecution(),
      useSubscriptionEvents(services),
      usePartialErrors(),
      useRequestErrorCodes(),
      ...responseCachePlugins(config, schema, services.inventory, redis),
    ],
  });
  return {
    yoga,
    services,
    metrics: metrics.registry,
    startDraining: () => void (draining = true),
    redis,
    close: async () => {
      await services.inventory?.stop();
      await redis?.close();
    },
  };
}

/**
 * The synced index, when the configuration has one; its syncs start at once, in the background. With
 * Redis, the replicas share it (README "The fleet"): one syncs each source, all apply its changes.
 */
function inventoryOf(
  catalog: ProviderCatalog<SchemaProvider>,
  config: GatewayConfig,
  registry: SourceRegistry,
  logger: Logger,
  redis: RedisLink | undefined,
): Inventory | null {
  if (!config.inventory) return null;
  const indexed = registry.sources.flatMap((source, position) => {
    const policy = inventoryPolicyOf(config, config.sources.find((s) => s.id === source.id)!);
    return policy ? [{ source, policy, position }] : [];
  });
  const inventoryLogger = logger.child({ component: 'inventory' });
  const { retentionMs } = config.inventory;
  const inventory = new Inventory(indexed, inventoryLogger, {
    retentionMs,
    // A fleet numbers changes in its stream: a feed cursor from one replica reads on any other.
    feedName: config.redis ? `${config.redis.keyPrefix}inventory` : undefined,
    facets: (record) => catalog.get(record.provider).facets(record),
  });
  if (redis) inventory.useCoordinator(new InventoryFleet(redis, inventory, inventoryLogger, { retentionMs }));
  inventory.start();
  return inventory;
}
