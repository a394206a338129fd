import { DETAIL_CALL } from './cost.js';
import { builder } from './builder.js';
import { ProviderEnum } from './provider-enum.js';
import { NamespaceRef, SecretRef, SourceRef } from './refs.js';
import { detailOf, sourceOf, typenameOf } from './secret-node.js';

SecretRef.implement({
  description:
    'A secret held by one of the configured sources. Its metadata needs the "secrets:read" scope; its value (the fields of each type that say so, such as KmsSecret.value) also "secrets:reveal", and every reveal is audited.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (record) => typenameOf(record.provider),
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (r) => r.provider }),
    sourceId: t.exposeID('sourceId', { description: 'The configured source holding it (also `source.id`).' }),
    namespaceId: t.exposeString('namespaceId', {
      description: "Its namespace in the provider's own terms (also `namespace.namespaceId`).",
    }),
    name: t.exposeString('name'),
    type: t.string({
      nullable: true,
      description: 'SAE and KMS SecretType; CSMS secret_type (from ShowSecret); APIG has none.',
      complexity: DETAIL_CALL,
      // Synchronous when the list carried it: a promise per secret costs a page of them a share of its CPU.
      resolve: (r, _args, ctx) => {
        if (r.type != null) return r.type;
        // Some providers give the type only with the detail (CSMS ShowSecret).
        const provider = ctx.catalog.get(r.provider);
        if (!provider.typeOfDetail) return null;
        return detailOf<object>(ctx, r).then((detail) => provider.typeOfDetail!(detail));
      },
    }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.updatedAt }),
    namespace: t.field({
      type: NamespaceRef,
      resolve: (r, _args, ctx) => ({ source: sourceOf(ctx, r.sourceId), id: r.namespaceId }),
    }),
    source: t.field({ type: SourceRef, resolve: (r, _args, ctx) => sourceOf(ctx, r.sourceId) }),
  }),
});
