import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { NamespaceRecord } from '../domain/records.js';
import { UpstreamError } from '../upstream/errors.js';
import { builder, idParts } from './builder.js';
import { listCost, pageCost } from './cost.js';
import {
  NamespaceRef,
  RelatedAppRef,
  SecretRef,
  SourceRef,
  type NamespaceShape,
  type RelatedAppShape,
} from './refs.js';
import { ProviderEnum } from './provider-enum.js';
import { resolveSecretConnection, SecretConnectionRef, secretConnectionArgs } from './secret-connection.js';

const NamespaceKindEnum = builder.enumType('NamespaceKind', {
  values: {
    SAE_NAMESPACE: { description: 'An SAE namespace.' },
    REGION: { description: 'The region of a KMS or APIG source.' },
    PROJECT: { description: 'A CSMS project.' },
  } as const,
});

/** The namespace's own record; only SAE discovery costs a call, once per request. */
async function recordOf(ns: NamespaceShape, ctx: GatewayContext): Promise<NamespaceRecord | null> {
  return (await ctx.loaders.namespaces(ns.source)).find((r) => r.id === ns.id) ?? null;
}

export async function relatedAppsOf(ctx: GatewayContext, ns: NamespaceShape): Promise<RelatedAppShape[]> {
  if (!ns.source.hasRelatedApps) return [];
  const secrets = await ctx.loaders.scan(ns.source, ns.id);
  const apps = new Map<string, RelatedAppShape>();
  for (const secret of secrets) {
    for (const app of secret.relatedApps ?? [])
      apps.set(app.appId, { ...app, sourceId: ns.source.id, namespaceId: ns.id });
  }
  return [...apps.values()].sort((a, b) => a.appName.localeCompare(b.appName) || a.appId.localeCompare(b.appId));
}

/** The namespace a global ID's parts name, if its source is one the caller may see and has it; else null. */
export async function namespaceOfId(ctx: GatewayContext, parts: string): Promise<NamespaceShape | null> {
  const [sourceId, namespaceId] = idParts(parts, 2);
  const source = ctx.sources.get(sourceId);
  if (!source) return null;
  return (await ctx.loaders.namespaces(source)).some((r) => r.id === namespaceId) ? { source, id: namespaceId } : null;
}

builder.node(NamespaceRef, {
  description: 'Where secrets live: an SAE namespace, the region of a KMS or APIG source, or a CSMS project.',
  id: { resolve: (ns) => JSON.stringify([ns.source.id, ns.id]) },
  isTypeOf: (value) =>
    typeof value === 'object' && value !== null && 'source' in value && 'id' in value && !('appId' in value),
  loadMany: (ids, ctx) => Promise.all(ids.map((id) => namespaceOfId(ctx, id))),
  fields: (t) => ({
    namespaceId: t.exposeString('id', { description: 'The provider\'s own id (e.g. "cn-hangzhou:prod").' }),
    name: t.string({
      description: "The provider's display name; the id when the provider has none or could not be asked.",
      resolve: async (ns, _a, ctx) => (await recordOf(ns, ctx).catch(() => null))?.name ?? ns.id,
    }),
    kind: t.field({
      type: NamespaceKindEnum,
      resolve: (ns, _a, ctx) => ctx.catalog.get(ns.source.provider).namespaceKind,
    }),
    region: t.string({ resolve: (ns) => ns.source.region }),
    description: t.string({
      nullable: true,
      resolve: async (ns, _a, ctx) => (await recordOf(ns, ctx))?.description ?? null,
    }),
    provider: t.field({ type: ProviderEnum, resolve: (ns) => ns.source.provider }),
    source: t.field({ type: SourceRef, resolve: (ns) => ns.source }),
    relatedApps: t.field({
      type: [RelatedAppRef],
      nullable: true,
      description:
        'Applications that use secrets of this namespace (SAE only; from one ListSecrets); null (with an error) when that call fails.',
      complexity: listCost,
      resolve: (ns, _a, ctx) => relatedAppsOf(ctx, ns),
    }),
    secrets: t.connection(
      {
        type: SecretRef,
        args: secretConnectionArgs(t.arg),
        complexity: pageCost,
        resolve: (ns, args, ctx, info) =>
          resolveSecretConnection(
            ctx,
            info,
            { connection: `ns:${ns.source.id}:${ns.id}`, sources: [ns.source], namespaceId: ns.id },
            args,
          ),
      },
      SecretConnectionRef,
    ),
  }),
});

/** All namespaces of the given sources; a source that fails is reported and skipped. */
export async function listNamespaces(
  ctx: GatewayContext,
  path: ReadonlyArray<string | number>,
  sourceIds?: readonly string[] | null,
): Promise<NamespaceShape[]> {
  const sources = ctx.sources.list.filter((s) => !sourceIds?.length || sourceIds.includes(s.id));
  const lists = await Promise.all(
    sources.map(async (source) => {
      try {
        return (await ctx.loaders.namespaces(source)).map((r) => ({ source, id: r.id }));
      } catch (error) {
        if (!(error instanceof UpstreamError)) throw error;
        ctx.partialErrors.push(new GraphQLError(error.message, { path, extensions: error.extensions }));
        return [];
      }
    }),
  );
  return lists.flat();
}
