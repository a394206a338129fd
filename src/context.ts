import type { GraphQLError } from 'graphql';
import { createLoaders, type KnownTotals, type Loaders } from './loaders/index.js';
import type { Logger } from './logger.js';
import type { CursorCodec } from './pagination/cursor.js';
import type { SourceRegistry } from './sources/registry.js';
import type { RequestScope } from './upstream/request-scope.js';

/** Everything one GraphQL request carries: the sources, its own loaders, and what went wrong on the way. */
export interface GatewayContext {
  registry: SourceRegistry;
  loaders: Loaders;
  cursors: CursorCodec;
  logger: Logger;
  requestId: string;
  /** Failures of single sources that did not stop the response; appended to `errors`. */
  partialErrors: GraphQLError[];
  /** Deadline, request id and per-source retries, as the upstream path sees them. */
  scope: RequestScope;
}

export interface AppServices {
  registry: SourceRegistry;
  cursors: CursorCodec;
  logger: Logger;
  requestDeadlineMs: number;
  totals: KnownTotals;
}

export function createContext(services: AppServices, requestId: string): GatewayContext {
  const logger = services.logger.child({ requestId });
  return {
    registry: services.registry,
    cursors: services.cursors,
    logger,
    requestId,
    loaders: createLoaders({ totals: services.totals }),
    partialErrors: [],
    scope: { requestId, deadline: Date.now() + services.requestDeadlineMs, logger, retries: new Map() },
  };
}
