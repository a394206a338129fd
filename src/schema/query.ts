import { resolveNodes } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { builder, decodeGlobalId } from './builder.js';
import { listCost, lookupCost, pageCost } from './cost.js';
import { listNamespaces, namespaceOfId } from './namespace.js';
import { NamespaceRef, SecretRef, SourceRef } from './refs.js';
import { isSecretTypename, secretOfId } from './secret-node.js';
import { pathOf, resolveSecretConnection, SecretConnectionRef, secretConnectionArgs } from './secret-connection.js';

builder.queryFields((t) => ({
  sources: t.field({
    type: [SourceRef],
    description: 'The configured sources this caller may see, in configuration order.',
    complexity: (_a, ctx) => ({ field: 0, multiplier: ctx.sources.list.length }),
    resolve: (_r, _a, ctx) => [...ctx.sources.list],
  }),
  source: t.field({
    type: SourceRef,
    nullable: true,
    args: { id: t.arg.id({ required: true, description: 'The id chosen in the configuration.' }) },
    resolve: (_r, { id }, ctx) => ctx.sources.get(id) ?? null,
  }),
  namespaces: t.field({
    type: [NamespaceRef],
    description:
      'Namespaces of every source (or of the given ones). A source that fails is reported in `errors` and left out.',
    args: { sources: t.arg.idList() },
    complexity: (_a, ctx) => ({ field: ctx.sources.list.length, multiplier: listCost.multiplier }),
    resolve: (_r, { sources }, ctx, info) => listNamespaces(ctx, pathOf(info), sources),
  }),
  namespace: t.field({
    type: NamespaceRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    complexity: lookupCost(1),
    resolve: async (_r, { id }, ctx) => {
      const { typename, id: raw } = decodeGlobalId(id);
      return typename === 'Namespace' ? namespaceOfId(ctx, raw) : null;
    },
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description:
      'Objects by global ID, in the order asked. A malformed or unknown ID is null in its place, with an error at its index; the others stand.',
    args: { ids: t.arg.idList({ required: true }) },
    complexity: (args) => lookupCost(args.ids?.length ?? 0),
    // One lookup per ID, so that one ID's failure (malformed parts, an upstream error) stays at its
    // index; they start together, so the request's DataLoaders still batch them.
    resolve: (_r, { ids }, ctx, info) =>
      ids.map(async (id) => {
        const [node] = await resolveNodes(builder, ctx, info, [decodeGlobalId(id)]);
        if (node === null || node === undefined)
          throw new GraphQLError('no object has this ID', { extensions: { code: 'NOT_FOUND' } });
        return node;
      }) as never,
  }),
  secret: t.field({
    type: SecretRef,
    nullable: true,
    description: 'One secret by its global ID.',
    args: { id: t.arg.id({ required: true }) },
    complexity: lookupCost(1),
    resolve: async (_r, { id }, ctx) => {
      const { typename, id: raw } = decodeGlobalId(id);
      return isSecretTypename(typename) ? secretOfId(ctx, typename, raw) : null;
    },
  }),
  secrets: t.connection(
    {
      type: SecretRef,
      description:
        "Secrets of every namespace of every source, walked in a stable order: sources as configured, then namespaces, then each provider's own order.",
      args: secretConnectionArgs(t.arg),
      complexity: pageCost,
      resolve: (_r, args, ctx, info) =>
        resolveSecretConnection(ctx, info, { connection: 'secrets', sources: ctx.sources.list }, args),
    },
    SecretConnectionRef,
  ),
}));
