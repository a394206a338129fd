import type { GraphQLError } from 'graphql';
import type { Caller, Grant } from './auth/grant.js';
import { guardLoaders, guardValues } from './auth/guarded-loaders.js';
import { sourceView, type SourceView } from './auth/source-view.js';
import type { MetadataStore } from './cache/metadata-cache.js';
import type { SourceCachePolicy } from './config.js';
import { createLoaders, type Loaders } from './loaders/index.js';
import type { KnownTotals } from './loaders/memo.js';
import { createValueLoader, type ValueLoader } from './loaders/values.js';
import { lazyChild, type Logger } from './logger.js';
import type { CursorCodec } from './pagination/cursor.js';
import type { Inventory } from './inventory/inventory.js';
import type { ProviderCatalog } from './sources/catalog.js';
import type { SourceRegistry } from './sources/registry.js';
import type { RequestScope } from './upstream/request-scope.js';

/** Everything one GraphQL request carries: the sources, its own loaders, and what went wrong on the way. */
export interface GatewayContext {
  /** Who is asking and what they may see and do. */
  grant: Grant;
  /** Until when (epoch ms) the caller's credential is accepted; null when it does not expire. Ends subscriptions. */
  validUntil: number | null;
  /** The sources this caller may see; use it, never the registry, to find a source. */
  sources: SourceView;
  /** Metadata loaders, behind the grant. */
  loaders: Loaders;
  /** Secret values (reveal scope only): per request, never cached beyond it, never logged. */
  values: ValueLoader;
  /** The connection's peer, for the audit log. */
  client: { ip: string | null; forwardedFor: string | null };
  /** One line per revealed secret: who, which, when, from where; never the value. */
  audit: Logger;
  cursors: CursorCodec;
  logger: Logger;
  requestId: string;
  /** Failures of single sources that did not stop the response; appended to `errors`. */
  partialErrors: GraphQLError[];
  /** Deadline, request id and per-source retries, as the upstream path sees them. */
  scope: RequestScope;
  cachePolicy(sourceId: string): SourceCachePolicy;
  /** The providers this gateway was built with (handed in by the composition root). */
  catalog: ProviderCatalog;
  /** The synced index; null without one. Loaders serve from a source's index while it is fresh. */
  inventory: Inventory | null;
}

export interface AppServices {
  catalog: ProviderCatalog;
  /** The synced index (absent without `inventory` in the configuration). */
  inventory: Inventory | null;
  registry: SourceRegistry;
  cursors: CursorCodec;
  logger: Logger;
  requestDeadlineMs: number;
  totals: KnownTotals;
  /** Provider metadata across requests: this process's memory, or Redis shared by the fleet. */
  cache: MetadataStore;
  cachePolicies: ReadonlyMap<string, SourceCachePolicy>;
  /** Where reveal audit lines go (default: the logger; every line carries `audit: true`). */
  audit: Logger;
}

const NO_CACHE: SourceCachePolicy = { ttlMs: 0, staleMs: 0, readAhead: false };

export function createContext(services: AppServices, requestId: string, caller: Caller): GatewayContext {
  const logger = lazyChild(services.logger, { requestId });
  const sources = sourceView(services.registry, caller.grant);
  return {
    grant: caller.grant,
    validUntil: caller.validUntil,
    sources,
    client: { ip: caller.ip, forwardedFor: caller.forwardedFor },
    audit: lazyChild(services.audit, { requestId }),
    cursors: services.cursors,
    logger,
    requestId,
    cachePolicy: cachePolicyOf(services),
    catalog: services.catalog,
    inventory: services.inventory,
    ...requestState(services, sources, requestId, logger),
  };
}

/**
 * The context for one event of a subscription: the subscription's caller and grant, with the state
 * of a request of its own (loaders and their caches, deadline, retries, partial errors), so that an
 * event hours into a stream reads the cloud as of now, within a deadline of its own.
 */
export function eventContext<C extends GatewayContext>(services: AppServices, context: C): C {
  return { ...context, ...requestState(services, context.sources, context.requestId, context.logger) };
}

type RequestState = Pick<GatewayContext, 'scope' | 'loaders' | 'values' | 'partialErrors'>;

function requestState(services: AppServices, sources: SourceView, requestId: string, logger: Logger): RequestState {
  const cachePolicy = cachePolicyOf(services);
  const scope: RequestScope = {
    requestId,
    deadline: Date.now() + services.requestDeadlineMs,
    logger,
    retries: new Map(),
  };
  const loaders = createLoaders({
    totals: services.totals,
    // One cache for every caller: its keys say what the cloud was asked; the grant is applied on read (guardLoaders).
    cache: { store: services.cache, policy: (source) => cachePolicy(source.id) },
    scope,
    indexOf: (source) => services.inventory?.fresh(source.id) ?? null,
    firstSyncPages: (source) => services.inventory?.firstSyncPages(source.id) ?? null,
  });
  return {
    scope,
    loaders: guardLoaders(loaders, sources),
    values: guardValues(createValueLoader(scope), sources),
    partialErrors: [],
  };
}

function cachePolicyOf(services: AppServices): (sourceId: string) => SourceCachePolicy {
  return (sourceId) => services.cachePolicies.get(sourceId) ?? NO_CACHE;
}
