import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { GatewayConfig } from '../config.js';
import { createContext, type AppServices, type GatewayContext } from '../context.js';
import type { Logger } from '../logger.js';
import { CursorCodec } from '../pagination/cursor.js';
import { schema } from '../schema/index.js';
import { createRegistry } from '../sources/registry.js';
import { EXAMPLE_TABS } from './examples.js';
import { usePartialErrors } from './partial-errors.js';
import { requestIdOf, useRequestId } from './request-id.js';

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  services: AppServices;
}

/** The whole gateway as a fetch handler: testable through `yoga.fetch` with no socket. */
export function createGateway(config: GatewayConfig, logger: Logger): Gateway {
  const services: AppServices = {
    registry: createRegistry(config, logger),
    cursors: new CursorCodec(config.cursorSecret),
    logger,
  };
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
    plugins: [useRequestId(), usePartialErrors()],
  });
  return { yoga, services };
}
