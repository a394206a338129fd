import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Provider, SecretRecord } from '../domain/records.js';
import { builder, decodeGlobalId, idParts } from './builder.js';
import { namespaceOfId, relatedAppsOf } from './namespace.js';
import { NamespaceRef, RelatedAppRef, SecretRef } from './refs.js';
import { isSecretTypename, secretOfId, type SecretObjectRef } from './secret-node.js';

/**
 * Federation entities. Secrets are keyed by global `id` and by the natural key other teams hold
 * (provider, sourceId, namespaceId, name); namespaces by `id`; related apps by `id` or `appId`.
 * References resolve through the request's loaders, so a batch of them costs what a page costs.
 */

function notFound(what: string): GraphQLError {
  return new GraphQLError(`no ${what} matches this reference`, { extensions: { code: 'NOT_FOUND' } });
}

function badReference(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_REFERENCE' } });
}

interface SecretReference {
  id?: string;
  provider?: string;
  sourceId?: string;
  namespaceId?: string;
  name?: string;
}

/**
 * `_entities` is federation's own field, outside the schema's scope checks: references check the
 * read scope here, before any lookup. What lies outside the grant is NOT_FOUND like the unknown.
 */
function assertRead(ctx: GatewayContext): void {
  if (!ctx.grant.scopes.has('secrets:read')) {
    throw new GraphQLError('not allowed: this needs the "secrets:read" scope', {
      extensions: { code: 'FORBIDDEN', requiredScopes: ['secrets:read'] },
    });
  }
}

async function resolveSecretReference(
  ref: SecretReference,
  ctx: GatewayContext,
  provider?: Provider,
): Promise<SecretRecord> {
  assertRead(ctx);
  let record: SecretRecord | null;
  if (typeof ref.id === 'string') {
    const { typename, id } = decodeGlobalId(ref.id);
    if (!isSecretTypename(typename)) throw badReference('the id is not a secret id');
    record = await secretOfId(ctx, typename, id);
  } else if (typeof ref.sourceId === 'string' && typeof ref.namespaceId === 'string' && typeof ref.name === 'string') {
    // `provider` arrives as the SDL's enum value (a representation is `_Any`, so nothing parsed it).
    const named = ref.provider === undefined ? undefined : (ctx.catalog.ofName(ref.provider)?.id ?? null);
    if (named === null)
      throw badReference(`"provider" must be one of ${ctx.catalog.providers.map((module) => module.name).join(', ')}`);
    const source = ctx.sources.get(ref.sourceId);
    record =
      source && (named === undefined || named === source.provider)
        ? await ctx.loaders.recordByName(source, ref.namespaceId, ref.name)
        : null;
  } else {
    throw badReference('a secret reference needs "id", or "provider", "sourceId", "namespaceId" and "name"');
  }
  if (!record || (provider && record.provider !== provider)) throw notFound('secret');
  return record;
}

const idKey = builder.selection<{ id: string }>('id');
const naturalKey = builder.selection<{ provider: string; sourceId: string; namespaceId: string; name: string }>(
  'provider sourceId namespaceId name',
);

builder.asEntity(SecretRef, {
  key: [idKey, naturalKey],
  resolveReference: (ref, ctx) => resolveSecretReference(ref, ctx),
});

/** A provider's secret type as an entity, by either key; src/schema/index.ts calls it for each provider. */
export function secretEntity<R extends SecretRecord>(ref: SecretObjectRef<R>, provider: R['provider']): void {
  builder.asEntity(ref, {
    key: [idKey, naturalKey],
    resolveReference: async (r, ctx) => (await resolveSecretReference(r, ctx, provider)) as R,
  });
}

builder.asEntity(NamespaceRef, {
  key: idKey,
  resolveReference: async ({ id }, ctx) => {
    assertRead(ctx);
    const { typename, id: raw } = decodeGlobalId(id);
    if (typename !== 'Namespace') throw badReference('the id is not a namespace id');
    const namespace = await namespaceOfId(ctx, raw);
    if (!namespace) throw notFound('namespace');
    return namespace;
  },
});

builder.asEntity(RelatedAppRef, {
  key: [idKey, builder.selection<{ appId: string }>('appId')],
  resolveReference: async (ref: { id?: string; appId?: string }, ctx) => {
    assertRead(ctx);
    let sourceIds = ctx.sources.list.filter((s) => s.hasRelatedApps).map((s) => s.id);
    let namespaceIds: string[] | null = null;
    let appId = ref.appId;
    if (typeof ref.id === 'string') {
      const { typename, id } = decodeGlobalId(ref.id);
      if (typename !== 'RelatedApp') throw badReference('the id is not a related app id');
      const [sourceId, namespaceId, app] = idParts(id, 3);
      sourceIds = sourceIds.filter((s) => s === sourceId);
      namespaceIds = [namespaceId];
      appId = app;
    }
    if (typeof appId !== 'string' || appId.length === 0 || appId.length > 256)
      throw badReference('a related app reference needs "id" or "appId"');
    // By appId alone: look through every SAE namespace (one list call each, shared by the request).
    for (const sourceId of sourceIds) {
      const source = ctx.sources.get(sourceId)!;
      const namespaces = namespaceIds ?? (await ctx.loaders.namespaces(source)).map((n) => n.id);
      const lists = await Promise.all(namespaces.map((id) => relatedAppsOf(ctx, { source, id })));
      const app = lists.flat().find((a) => a.appId === appId);
      if (app) return app;
    }
    throw notFound('related app');
  },
});
