import type { GatewayContext } from '../context.js';
import type { ApigSecret, CsmsSecret, CsmsSecretDetail, KmsSecret, KmsSecretDetail, SaeSecret, SaeSecretDetail, SecretRecord, SecretSource } from '../sources/types.js';
import { builder, idParts } from './builder.js';
import { ApigSecretRef, CsmsSecretRef, KmsSecretRef, NamespaceRef, ProviderEnum, RelatedAppRef, SaeSecretRef, SecretRef, SourceRef } from './refs.js';

export const SECRET_TYPENAMES: Record<SecretRecord['provider'], string> = {
  'alibaba-sae': 'SaeSecret',
  'alibaba-apig': 'ApigSecret',
  'alibaba-kms': 'KmsSecret',
  'huawei-csms': 'CsmsSecret',
};

export function secretKey(record: SecretRecord): string {
  return JSON.stringify([record.sourceId, record.namespaceId, record.key]);
}

export function sourceOf(ctx: GatewayContext, sourceId: string): SecretSource {
  const source = ctx.registry.get(sourceId);
  if (!source) throw new Error(`unknown source ${sourceId}`);
  return source;
}

/** Detail fields cost a detail call unless the list already carried them; the loader decides. */
async function detailOf<T>(ctx: GatewayContext, record: SecretRecord): Promise<T | null> {
  return (await ctx.loaders.detail(sourceOf(ctx, record.sourceId), record)) as T | null;
}

/** Node lookup for one provider's secrets: batched through the per-request record loader. */
function loadSecrets<P extends SecretRecord['provider']>(provider: P) {
  type Shape = Extract<SecretRecord, { provider: P }>;
  return (ids: string[], ctx: GatewayContext): Promise<Array<Shape | null>> =>
    Promise.all(
      ids.map(async (id) => {
        const [sourceId, namespaceId, key] = idParts(id, 3);
        const source = ctx.registry.get(sourceId);
        if (!source || source.provider !== provider) return null;
        return (await ctx.loaders.record(source, namespaceId, key)) as Shape | null;
      }),
    );
}

export const TagType = builder.objectRef<{ key: string; value: string }>('Tag').implement({
  description: 'A resource tag (KMS).',
  shareable: true,
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

SecretRef.implement({
  description: 'A secret held by one of the configured sources. Metadata only: no field returns a secret value.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (record) => SECRET_TYPENAMES[record.provider],
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (r) => r.provider }),
    sourceId: t.exposeID('sourceId', { description: 'The configured source holding it (also `source.id`).' }),
    namespaceId: t.exposeString('namespaceId', { description: 'Its namespace in the provider\'s own terms (also `namespace.namespaceId`).' }),
    name: t.exposeString('name'),
    type: t.string({
      nullable: true,
      description: 'SAE and KMS SecretType; CSMS secret_type (from ShowSecret); APIG has none.',
      resolve: async (r, _args, ctx) => (r.provider === 'huawei-csms' ? (r.type ?? (await detailOf<CsmsSecretDetail>(ctx, r))?.secretType ?? null) : r.type),
    }),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.updatedAt }),
    namespace: t.field({ type: NamespaceRef, resolve: (r, _args, ctx) => ({ source: sourceOf(ctx, r.sourceId), id: r.namespaceId }) }),
    source: t.field({ type: SourceRef, resolve: (r, _args, ctx) => sourceOf(ctx, r.sourceId) }),
  }),
});

builder.node(SaeSecretRef, {
  description: 'A Secret of Alibaba Cloud Serverless App Engine (SAE), scoped to a namespace.',
  interfaces: [SecretRef],
  id: { resolve: secretKey },
  isTypeOf: (r) => (r as SecretRecord).provider === 'alibaba-sae',
  loadMany: loadSecrets('alibaba-sae'),
  fields: (t) => ({
    secretId: t.exposeID('secretId', { description: 'SAE SecretId (an integer; a string here because it can exceed 2^53).' }),
    relatedApps: t.field({
      type: [RelatedAppRef],
      description: 'Applications that use this secret (from ListSecrets; no extra call).',
      resolve: (r) => r.relatedApps.map((app) => ({ ...app, sourceId: r.sourceId, namespaceId: r.namespaceId })),
    }),
    dataKeys: t.stringList({
      description: 'The keys of SecretData, never the values. Costs one DescribeSecret per secret, batched and capped per source.',
      resolve: async (r, _args, ctx) => (await detailOf<SaeSecretDetail>(ctx, r))?.dataKeys ?? [],
    }),
  }),
});

const KmsConfigType = builder.objectRef<{ kmsInstanceId: string | null; kmsKeyId: string | null }>('ApigKmsConfig').implement({
  fields: (t) => ({
    kmsInstanceId: t.exposeString('kmsInstanceId', { nullable: true }),
    kmsKeyId: t.exposeString('kmsKeyId', { nullable: true }),
  }),
});

builder.node(ApigSecretRef, {
  description: 'A secret of Alibaba Cloud-native API Gateway (APIG). Every field comes from ListSecrets.',
  interfaces: [SecretRef],
  id: { resolve: secretKey },
  isTypeOf: (r) => (r as SecretRecord).provider === 'alibaba-apig',
  loadMany: loadSecrets('alibaba-apig'),
  fields: (t) => ({
    secretId: t.exposeID('secretId'),
    gatewayType: t.exposeString('gatewayType', { nullable: true, description: 'AI or API.' }),
    referenceCount: t.exposeInt('referenceCount', { nullable: true }),
    secretSource: t.exposeString('secretSource', { nullable: true }),
    status: t.exposeString('status', { nullable: true }),
    kmsConfig: t.field({ type: KmsConfigType, nullable: true, resolve: (r) => r.kmsConfig }),
  }),
});

const kmsDetail = <K extends keyof KmsSecretDetail>(key: K) => async (r: KmsSecret, _args: unknown, ctx: GatewayContext) =>
  (await detailOf<KmsSecretDetail>(ctx, r))?.[key] ?? null;

builder.node(KmsSecretRef, {
  description: 'A secret of Alibaba Cloud Key Management Service (KMS). Fields marked "DescribeSecret" cost one call per secret.',
  interfaces: [SecretRef],
  id: { resolve: secretKey },
  isTypeOf: (r) => (r as SecretRecord).provider === 'alibaba-kms',
  loadMany: loadSecrets('alibaba-kms'),
  fields: (t) => ({
    tags: t.field({ type: [TagType], resolve: (r) => r.tags ?? [] }),
    plannedDeleteTime: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.plannedDeleteTime }),
    owingService: t.exposeString('owingService', { nullable: true }),
    description: t.string({ nullable: true, description: 'DescribeSecret.', resolve: kmsDetail('description') }),
    arn: t.string({ nullable: true, description: 'DescribeSecret.', resolve: kmsDetail('arn') }),
    encryptionKeyId: t.string({ nullable: true, description: 'DescribeSecret.', resolve: kmsDetail('encryptionKeyId') }),
    automaticRotation: t.string({ nullable: true, description: 'DescribeSecret: Enabled, Disabled or Invalid.', resolve: kmsDetail('automaticRotation') }),
    rotationInterval: t.string({ nullable: true, description: 'DescribeSecret, e.g. "604800s".', resolve: kmsDetail('rotationInterval') }),
    lastRotationDate: t.field({ type: 'DateTime', nullable: true, description: 'DescribeSecret.', resolve: kmsDetail('lastRotationDate') }),
    nextRotationDate: t.field({ type: 'DateTime', nullable: true, description: 'DescribeSecret.', resolve: kmsDetail('nextRotationDate') }),
    extendedConfig: t.string({ nullable: true, description: 'DescribeSecret (JSON text).', resolve: kmsDetail('extendedConfig') }),
    dkmsInstanceId: t.string({ nullable: true, description: 'DescribeSecret.', resolve: kmsDetail('dkmsInstanceId') }),
  }),
});

const csmsDetail = <K extends keyof CsmsSecretDetail>(key: K) => async (r: CsmsSecret, _args: unknown, ctx: GatewayContext) =>
  (await detailOf<CsmsSecretDetail>(ctx, r))?.[key] ?? null;

builder.node(CsmsSecretRef, {
  description: 'A secret of Huawei Cloud CSMS (DEW). Fields marked "ShowSecret" cost one call per secret.',
  interfaces: [SecretRef],
  id: { resolve: secretKey },
  isTypeOf: (r) => (r as SecretRecord).provider === 'huawei-csms',
  loadMany: loadSecrets('huawei-csms'),
  fields: (t) => ({
    secretId: t.exposeID('secretId'),
    state: t.exposeString('state', { nullable: true, description: 'ENABLED, DISABLED, PENDING_DELETE or FROZEN.' }),
    kmsKeyId: t.exposeString('kmsKeyId', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    scheduledDeleteTime: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.scheduledDeleteTime }),
    autoRotation: t.boolean({ nullable: true, description: 'ShowSecret.', resolve: csmsDetail('autoRotation') }),
    rotationPeriod: t.string({ nullable: true, description: 'ShowSecret.', resolve: csmsDetail('rotationPeriod') }),
    rotationConfig: t.string({ nullable: true, description: 'ShowSecret.', resolve: csmsDetail('rotationConfig') }),
    rotationTime: t.field({ type: 'DateTime', nullable: true, description: 'ShowSecret.', resolve: csmsDetail('rotationTime') }),
    nextRotationTime: t.field({ type: 'DateTime', nullable: true, description: 'ShowSecret.', resolve: csmsDetail('nextRotationTime') }),
    eventSubscriptions: t.stringList({ description: 'ShowSecret.', resolve: async (r, _a, ctx) => (await detailOf<CsmsSecretDetail>(ctx, r))?.eventSubscriptions ?? [] }),
    enterpriseProjectId: t.string({ nullable: true, description: 'ShowSecret.', resolve: csmsDetail('enterpriseProjectId') }),
    rotationFuncUrn: t.string({ nullable: true, description: 'ShowSecret.', resolve: csmsDetail('rotationFuncUrn') }),
  }),
});
