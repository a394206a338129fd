import { builder, idParts } from './builder.js';
import { ESTIMATED_LIST } from './cost.js';
import { relatedAppsOf } from './namespace.js';
import { NamespaceRef, RelatedAppRef, SecretRef } from './refs.js';

builder.node(RelatedAppRef, {
  description: 'An SAE application that uses secrets of its namespace.',
  id: { resolve: (app) => JSON.stringify([app.sourceId, app.namespaceId, app.appId]) },
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'appId' in value,
  loadMany: (ids, ctx) =>
    Promise.all(
      ids.map(async (id) => {
        const [sourceId, namespaceId, appId] = idParts(id, 3);
        const source = ctx.sources.get(sourceId);
        if (!source?.hasRelatedApps) return null;
        return (await relatedAppsOf(ctx, { source, id: namespaceId })).find((app) => app.appId === appId) ?? null;
      }),
    ),
  fields: (t) => ({
    appId: t.exposeString('appId'),
    appName: t.exposeString('appName'),
    namespace: t.field({
      type: NamespaceRef,
      resolve: (app, _a, ctx) => ({ source: ctx.sources.get(app.sourceId)!, id: app.namespaceId }),
    }),
    secrets: t.field({
      type: [SecretRef],
      nullable: true,
      description:
        'The secrets of its namespace this application uses (from the same ListSecrets); null (with an error) when that call fails.',
      complexity: { field: 0, multiplier: ESTIMATED_LIST },
      resolve: async (app, _a, ctx) => {
        const source = ctx.sources.get(app.sourceId)!;
        const all = await ctx.loaders.scan(source, app.namespaceId);
        return all.filter((s) => s.relatedApps?.some((r) => r.appId === app.appId));
      },
    }),
  }),
});
