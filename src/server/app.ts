import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GatewayConfig } from '../config.js';
import { createContext, type AppServices, type GatewayContext } from '../context.js';
import type { Logger } from '../logger.js';
import { CursorCodec } from '../pagination/cursor.js';
import { schema } from '../schema/index.js';
import { createRegistry } from '../sources/registry.js';
import type { Registry } from 'prom-client';
import { EXAMPLE_TABS } from './examples.js';
import { useReadiness } from './health.js';
import { createMetrics } from './metrics.js';
import { usePartialErrors } from './partial-errors.js';
import { requestIdOf, useRequestId } from './request-id.js';
import { useRequestScope } from './request-scope.js';

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  services: AppServices;
  metrics: Registry;
  /** From now on /readyz answers 503, so that traffic moves away before the drain. */
  startDraining(): void;
}

/** The whole gateway as a fetch handler: testable through `yoga.fetch` with no socket. */
export function createGateway(config: GatewayConfig, logger: Logger): Gateway {
  const services: AppServices = {
    registry: createRegistry(config, logger),
    cursors: new CursorCodec(config.cursorSecret),
    logger,
    requestDeadlineMs: config.server.requestDeadlineMs,
    totals: new Map(),
  };
  const metrics = createMetrics(services.registry);
  let draining = false;
  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    graphiql: config.server.graphiql ? { title: 'secrets-gateway', defaultTabs: EXAMPLE_TABS } : false,
    renderGraphiQL,
    maskedErrors: true,
    logging: {
      debug: (...args) => logger.debug({ yoga: args.map(String) }),
      info: (...args) => logger.info({ yoga: args.map(String) }),
      warn: (...args) => logger.warn({ yoga: args.map(String) }),
      error: (...args) => logger.error({ yoga: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))) }),
    },
    context: ({ request }) => createContext(services, requestIdOf(request)),
    plugins: [useRequestId(), useReadiness(services.registry, () => draining), metrics.plugin, useRequestScope(), usePartialErrors()],
  });
  return { yoga, services, metrics: metrics.registry, startDraining: () => void (draining = true) };
}
