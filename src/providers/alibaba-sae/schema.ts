import { builder } from '../../schema/builder.js';
import { DETAIL_CALL } from '../../schema/cost.js';
import { RelatedAppRef, type RelatedAppShape } from '../../schema/refs.js';
import { detailOf, REVEAL, revealOf, secretNode } from '../../schema/secret-node.js';
import type { SaeSecret, SaeSecretDetail, SaeSecretValue } from './records.js';

/**
 * A secret's related apps with where they live, made once per record: a record served from the
 * inventory is the same object request after request, and each page of 50 made them all again.
 */
const relatedApps = new WeakMap<SaeSecret, RelatedAppShape[]>();

function relatedAppsOf(r: SaeSecret): RelatedAppShape[] {
  let apps = relatedApps.get(r);
  if (!apps) {
    apps = r.relatedApps.map((app) => ({ ...app, sourceId: r.sourceId, namespaceId: r.namespaceId }));
    relatedApps.set(r, apps);
  }
  return apps;
}

/** The GraphQL side of this provider: its value type(s) and its `Secret` type. Called once, by src/schema/index.ts. */
export function defineSaeSchema(typename: string) {
  const SecretDataEntryType = builder.objectRef<{ key: string; value: string }>('SecretDataEntry').implement({
    description: "One entry of an SAE secret's SecretData.",
    fields: (t) => ({
      key: t.exposeString('key'),
      value: t.exposeString('value', { description: 'As SAE stores it (base64 for Kubernetes-style secrets).' }),
    }),
  });

  return secretNode<SaeSecret>(typename, 'alibaba-sae', {
    description: 'A Secret of Alibaba Cloud Serverless App Engine (SAE), scoped to a namespace.',
    fields: (t) => ({
      secretId: t.exposeID('secretId', {
        description: 'SAE SecretId (an integer; a string here because it can exceed 2^53).',
      }),
      relatedApps: t.field({
        type: [RelatedAppRef],
        description: 'Applications that use this secret (from ListSecrets; no extra call).',
        resolve: relatedAppsOf,
      }),
      dataKeys: t.stringList({
        // Nullable: a failed DescribeSecret nulls this field (with an error), not the whole page.
        nullable: true,
        description:
          'The keys of SecretData, never the values. Costs one DescribeSecret per secret, batched and capped per source; null (with an error) when that call fails.',
        complexity: DETAIL_CALL,
        resolve: async (r, _args, ctx) => (await detailOf<SaeSecretDetail>(ctx, r))?.dataKeys ?? [],
      }),
      data: t.field({
        ...REVEAL,
        type: [SecretDataEntryType],
        description:
          'The SecretData entries with their values. Needs the "secrets:reveal" scope; audited; one DescribeSecret per secret.',
        resolve: async (r, _args, ctx) => (await revealOf<SaeSecretValue>(ctx, r))?.data ?? null,
      }),
    }),
  });
}
