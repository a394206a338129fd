import { auditReveal } from '../auth/audit.js';
import type { GatewayContext } from '../context.js';
import type {
  ApigSecretValue,
  CsmsSecret,
  CsmsSecretDetail,
  CsmsSecretValue,
  KmsSecret,
  KmsSecretDetail,
  KmsSecretValue,
  SaeSecretDetail,
  SaeSecretValue,
  SecretRecord,
  SecretSource,
  SecretValue,
} from '../sources/types.js';
import { UpstreamError } from '../upstream/errors.js';
import { builder, encodeGlobalId, idParts } from './builder.js';
import { DETAIL_CALL } from './cost.js';
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
  const source = ctx.sources.get(sourceId);
  if (!source) throw new Error(`unknown source ${sourceId}`);
  return source;
}

/** Detail fields cost a detail call unless the list already carried them; the loader decides. */
async function detailOf<T>(ctx: GatewayContext, record: SecretRecord): Promise<T | null> {
  return (await ctx.loaders.detail(sourceOf(ctx, record.sourceId), record)) as T | null;
}

const audited = new WeakMap<GatewayContext, Set<string>>();

/**
 * A secret's value, for fields behind the reveal scope (checked before this runs, so a caller
 * without it causes no call). One upstream read and one audit line per secret per request.
 */
async function revealOf<T extends SecretValue>(ctx: GatewayContext, record: SecretRecord): Promise<T | null> {
  const id = encodeGlobalId(SECRET_TYPENAMES[record.provider], secretKey(record));
  let seen = audited.get(ctx);
  if (!seen) audited.set(ctx, (seen = new Set()));
  const first = !seen.has(id);
  seen.add(id);
  try {
    const value = await ctx.values.load(sourceOf(ctx, record.sourceId), record);
    if (first) auditReveal(ctx, id, record, value ? 'revealed' : 'not-found');
    return value as T | null;
  } catch (error) {
    if (first) auditReveal(ctx, id, record, 'failed', error instanceof UpstreamError ? error.info.code : undefined);
    throw error;
  }
}

const REVEAL = { authScopes: { reveal: true }, complexity: DETAIL_CALL, nullable: true } as const;

const SecretDataEntryType = builder.objectRef<{ key: string; value: string }>('SecretDataEntry').implement({
  description: 'One entry of an SAE secret\'s SecretData.',
  fields: (t) => ({
    key: t.exposeString('key'),
    value: t.exposeString('value', { description: 'As SAE stores it (base64 for Kubernetes-style secrets).' }),
  }),
});

const KmsSecretValueType = builder.objectRef<KmsSecretValue>('KmsSecretValue').implement({
  description: 'GetSecretValue of the ACSCurrent version.',
  fields: (t) => ({
    secretData: t.exposeString('secretData'),
    secretDataType: t.exposeString('secretDataType', { nullable: true, description: '"text", or "binary" (secretData is then base64).' }),
    versionId: t.exposeString('versionId', { nullable: true }),
    versionStages: t.exposeStringList('versionStages'),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (v) => v.createdAt }),
  }),
});

const CsmsSecretValueType = builder.objectRef<CsmsSecretValue>('CsmsSecretValue').implement({
  description: 'ShowSecretVersion of the latest version.',
  fields: (t) => ({
    secretString: t.exposeString('secretString', { nullable: true }),
    secretBinary: t.exposeString('secretBinary', { nullable: true, description: 'Base64.' }),
    versionId: t.exposeString('versionId', { nullable: true }),
    versionStages: t.exposeStringList('versionStages'),
    createdAt: t.field({ type: 'DateTime', nullable: true, resolve: (v) => v.createdAt }),
  }),
});

const ApigSecretValueType = builder.objectRef<ApigSecretValue>('ApigSecretValue').implement({
  description: 'GetSecretValue (by name).',
  fields: (t) => ({ secretData: t.exposeString('secretData') }),
});

/**
 * The secret a global ID's parts name, through the per-request record loader; null when its source
 * is not one the caller may see or is of another type than the ID says.
 */
export async function secretOfId(ctx: GatewayContext, typename: string, parts: string): Promise<SecretRecord | null> {
  const [sourceId, namespaceId, key] = idParts(parts, 3);
  const source = ctx.sources.get(sourceId);
  if (!source || SECRET_TYPENAMES[source.provider] !== typename) return null;
  return ctx.loaders.record(source, namespaceId, key);
}

/** Node lookup for one provider's secrets. */
function loadSecrets<P extends SecretRecord['provider']>(provider: P) {
  type Shape = Extract<SecretRecord, { provider: P }>;
  return (ids: string[], ctx: GatewayContext): Promise<Array<Shape | null>> =>
    Promise.all(ids.map(async (id) => (await secretOfId(ctx, SECRET_TYPENAMES[provider], id)) as Shape | null));
}

export const TagType = builder.objectRef<{ key: string; value: string }>('Tag').implement({
  description: 'A resource tag (KMS).',
  shareable: true,
  fields: (t) => ({ key: t.exposeString('key'), value: t.exposeString('value') }),
});

SecretRef.implement({
  description:
    'A secret held by one of the configured sources. Its metadata needs the "secrets:read" scope; its value (SaeSecret.data, ApigSecret.value, KmsSecret.value, CsmsSecret.value) also "secrets:reveal", and every reveal is audited.',
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
      complexity: DETAIL_CALL,
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
      // Nullable: a failed DescribeSecret nulls this field (with an error), not the whole page.
      nullable: true,
      description: 'The keys of SecretData, never the values. Costs one DescribeSecret per secret, batched and capped per source; null (with an error) when that call fails.',
      complexity: DETAIL_CALL,
      resolve: async (r, _args, ctx) => (await detailOf<SaeSecretDetail>(ctx, r))?.dataKeys ?? [],
    }),
    data: t.field({
      ...REVEAL,
      type: [SecretDataEntryType],
      description: 'The SecretData entries with their values. Needs the "secrets:reveal" scope; audited; one DescribeSecret per secret.',
      resolve: async (r, _args, ctx) => (await revealOf<SaeSecretValue>(ctx, r))?.data ?? null,
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
    value: t.field({
      ...REVEAL,
      type: ApigSecretValueType,
      description: 'The secret value (GetSecretValue). Needs the "secrets:reveal" scope; audited; one call per secret.',
      resolve: (r, _args, ctx) => revealOf<ApigSecretValue>(ctx, r),
    }),
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
    description: t.string({ nullable: true, description: 'DescribeSecret.', complexity: DETAIL_CALL, resolve: kmsDetail('description') }),
    arn: t.string({ nullable: true, description: 'DescribeSecret.', complexity: DETAIL_CALL, resolve: kmsDetail('arn') }),
    encryptionKeyId: t.string({ nullable: true, description: 'DescribeSecret.', complexity: DETAIL_CALL, resolve: kmsDetail('encryptionKeyId') }),
    automaticRotation: t.string({ nullable: true, description: 'DescribeSecret: Enabled, Disabled or Invalid.', complexity: DETAIL_CALL, resolve: kmsDetail('automaticRotation') }),
    rotationInterval: t.string({ nullable: true, description: 'DescribeSecret, e.g. "604800s".', complexity: DETAIL_CALL, resolve: kmsDetail('rotationInterval') }),
    lastRotationDate: t.field({ type: 'DateTime', nullable: true, description: 'DescribeSecret.', complexity: DETAIL_CALL, resolve: kmsDetail('lastRotationDate') }),
    nextRotationDate: t.field({ type: 'DateTime', nullable: true, description: 'DescribeSecret.', complexity: DETAIL_CALL, resolve: kmsDetail('nextRotationDate') }),
    extendedConfig: t.string({ nullable: true, description: 'DescribeSecret (JSON text).', complexity: DETAIL_CALL, resolve: kmsDetail('extendedConfig') }),
    dkmsInstanceId: t.string({ nullable: true, description: 'DescribeSecret.', complexity: DETAIL_CALL, resolve: kmsDetail('dkmsInstanceId') }),
    value: t.field({
      ...REVEAL,
      type: KmsSecretValueType,
      description: 'The current value (GetSecretValue, ACSCurrent). Needs the "secrets:reveal" scope; audited; one call per secret.',
      resolve: (r, _args, ctx) => revealOf<KmsSecretValue>(ctx, r),
    }),
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
    autoRotation: t.boolean({ nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('autoRotation') }),
    rotationPeriod: t.string({ nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('rotationPeriod') }),
    rotationConfig: t.string({ nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('rotationConfig') }),
    rotationTime: t.field({ type: 'DateTime', nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('rotationTime') }),
    nextRotationTime: t.field({ type: 'DateTime', nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('nextRotationTime') }),
    eventSubscriptions: t.stringList({ nullable: true, description: 'ShowSecret; null (with an error) when that call fails.', complexity: DETAIL_CALL, resolve: async (r, _a, ctx) => (await detailOf<CsmsSecretDetail>(ctx, r))?.eventSubscriptions ?? [] }),
    enterpriseProjectId: t.string({ nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('enterpriseProjectId') }),
    rotationFuncUrn: t.string({ nullable: true, description: 'ShowSecret.', complexity: DETAIL_CALL, resolve: csmsDetail('rotationFuncUrn') }),
    value: t.field({
      ...REVEAL,
      type: CsmsSecretValueType,
      description: 'The latest version\'s value (ShowSecretVersion). Needs the "secrets:reveal" scope; audited; one call per secret.',
      resolve: (r, _args, ctx) => revealOf<CsmsSecretValue>(ctx, r),
    }),
  }),
});
