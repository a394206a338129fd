import { listCost, pageCost } from './cost.js';
import { listNamespaces } from './namespace.js';
import { NamespaceRef, SecretRef, SourceRef } from './refs.js';
import { ProviderEnum } from './provider-enum.js';
import { pathOf, resolveSecretConnection, SecretConnectionRef, secretConnectionArgs } from './secret-connection.js';

SourceRef.implement({
  description: 'A configured account of one provider in one region.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The id chosen in the configuration.' }),
    provider: t.field({ type: ProviderEnum, resolve: (s) => s.provider }),
    region: t.exposeString('region'),
    namespaces: t.field({
      type: [NamespaceRef],
      complexity: listCost,
      resolve: (source, _a, ctx, info) => listNamespaces(ctx, pathOf(info), [source.id]),
    }),
    secrets: t.connection(
      {
        type: SecretRef,
        args: secretConnectionArgs(t.arg),
        complexity: pageCost,
        resolve: (source, args, ctx, info) =>
          resolveSecretConnection(ctx, info, { connection: `source:${source.id}`, sources: [source] }, args),
      },
      SecretConnectionRef,
    ),
  }),
});
