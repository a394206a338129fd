import type { GraphQLError } from 'graphql';
import { createLoaders, type Loaders } from './loaders/index.js';
import type { Logger } from './logger.js';
import type { CursorCodec } from './pagination/cursor.js';
import type { SourceRegistry } from './sources/registry.js';

/** Everything one GraphQL request carries: the sources, its own loaders, and what went wrong on the way. */
export interface GatewayContext {
  registry: SourceRegistry;
  loaders: Loaders;
  cursors: CursorCodec;
  logger: Logger;
  requestId: string;
  /** Failures of single sources that did not stop the response; appended to `errors`. */
  partialErrors: GraphQLError[];
}

export interface AppServices {
  registry: SourceRegistry;
  cursors: CursorCodec;
  logger: Logger;
}

export function createContext(services: AppServices, requestId: string): GatewayContext {
  return {
    ...services,
    logger: services.logger.child({ requestId }),
    requestId,
    loaders: createLoaders(),
    partialErrors: [],
  };
}
