import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { ConnectionPage } from '../pagination/connection.js';
import { lookupCost } from './cost.js';
import { isoInstant } from './iso-instant.js';

/** Every type a global ID may name: each provider's secret type joins as it is defined (secretNode). */
export const NODE_TYPES = new Set<string>(['Namespace', 'RelatedApp']);

function invalidId(): GraphQLError {
  return new GraphQLError('not a valid ID of this gateway', {
    extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_ID' },
  });
}

/** Global IDs are base64url("Type:" + a JSON array of the parts that locate the object). */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  return Buffer.from(`${typename}:${String(id)}`).toString('base64url');
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  if (typeof globalId !== 'string' || globalId.length > 1024 || !/^[A-Za-z0-9_-]+={0,2}$/.test(globalId))
    throw invalidId();
  const text = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = text.indexOf(':');
  const typename = text.slice(0, colon);
  if (colon < 1 || !NODE_TYPES.has(typename)) throw invalidId();
  return { typename, id: text.slice(colon + 1) };
}

/** The parts inside a global ID; anything else is bad input, not a crash. */
export function idParts(id: string, count: number): string[] {
  let parts: unknown;
  try {
    parts = JSON.parse(id);
  } catch {
    throw invalidId();
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== count ||
    !parts.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 256)
  )
    throw invalidId();
  return parts as string[];
}

const SCOPE_NAMES: Record<string, string> = { read: 'secrets:read', reveal: 'secrets:reveal' };

function missingScopes(failure: AuthFailure): string[] {
  if (failure.kind === AuthScopeFailureType.AuthScope || failure.kind === AuthScopeFailureType.GrantedScope)
    return [SCOPE_NAMES[failure.scope] ?? failure.scope];
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes)
    return failure.failures.flatMap(missingScopes);
  return [];
}

/** Missing scope: FORBIDDEN, naming the scope, and the field resolves to null without running. */
function forbidden(failure: AuthFailure): GraphQLError {
  const scopes = [...new Set(missingScopes(failure))];
  const what = scopes.length
    ? `the ${scopes.map((s) => `"${s}"`).join(' and ')} scope`
    : 'a scope this caller does not have';
  return new GraphQLError(`not allowed: this needs ${what}`, {
    extensions: { code: 'FORBIDDEN', requiredScopes: scopes },
  });
}

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
  AuthScopes: { read: boolean; reveal: boolean };
  // What every connection resolver returns besides edges and pageInfo (src/pagination/connection.ts).
  Connection: Pick<ConnectionPage, 'totalCount' | 'states' | 'interruption' | 'asOf'>;
}>({
  // Scope checks before anything else wraps a resolver; Federation after the plugins that wrap
  // resolvers; it needs Directives listed to print @key.
  plugins: [ScopeAuthPlugin, RelayPlugin, ComplexityPlugin, DirectivesPlugin, FederationPlugin],
  scopeAuth: {
    // A subscription is refused as it starts, not event by event.
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      read: ctx.grant.scopes.has('secrets:read'),
      reveal: ctx.grant.scopes.has('secrets:reveal'),
    }),
    unauthorizedError: (_parent, _ctx, _info, result) => forbidden(result.failure),
  },
  // Costs are declared per field (README "Query limits"); the limit itself is checked per request
  // by the cost plugin in src/server/query-limits.ts, before execution.
  complexity: { defaultComplexity: 0, defaultListMultiplier: 1, disabled: true },
  directives: { useGraphQLToolsUnorderedDirectives: true },
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesOnConnection: true,
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    nodeQueryOptions: { description: 'Any object of this gateway by its global ID.', complexity: lookupCost(1) },
    // `nodes` is declared in query.ts: one bad ID there must cost only its own item.
    nodesQueryOptions: false,
    // Several subgraphs may define these value types.
    pageInfoTypeOptions: { shareable: true },
  },
});

// Every query field needs the read scope; `_entities` (added by federation) checks it in resolveReference.
builder.queryType({ authScopes: { read: true } });
builder.subscriptionType({ authScopes: { read: true } });

builder.scalarType('DateTime', {
  description:
    'An instant, as an ISO 8601 string in UTC. Providers send milliseconds, seconds or ISO strings; all arrive here.',
  serialize: (value) => isoInstant(value instanceof Date ? value : new Date(value as string)),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime()))
      throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return date;
  },
});

/** The builder's schema types, for helpers typed over its field builders. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;
