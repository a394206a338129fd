import { builder } from '../../schema/builder.js';
import { DETAIL_CALL } from '../../schema/cost.js';
import { detailOf, REVEAL, revealOf, secretNode, versionFields } from '../../schema/secret-node.js';
import type { GatewayContext } from '../../context.js';
import type { CsmsSecret, CsmsSecretDetail, CsmsSecretValue } from './records.js';

/** The GraphQL side of this provider: its value type(s) and its `Secret` type. Called once, by src/schema/index.ts. */
export function defineCsmsSchema(typename: string) {
  const CsmsSecretValueType = builder.objectRef<CsmsSecretValue>('CsmsSecretValue').implement({
    description: 'ShowSecretVersion of the latest version.',
    fields: (t) => ({
      secretString: t.exposeString('secretString', { nullable: true }),
      secretBinary: t.exposeString('secretBinary', { nullable: true, description: 'Base64.' }),
      ...versionFields(t),
    }),
  });

  const csmsDetail =
    <K extends keyof CsmsSecretDetail>(key: K) =>
    async (r: CsmsSecret, _args: unknown, ctx: GatewayContext) =>
      (await detailOf<CsmsSecretDetail>(ctx, r))?.[key] ?? null;

  return secretNode<CsmsSecret>(typename, 'huawei-csms', {
    description: 'A secret of Huawei Cloud CSMS (DEW). Fields marked "ShowSecret" cost one call per secret.',
    fields: (t) => ({
      secretId: t.exposeID('secretId'),
      state: t.exposeString('state', { nullable: true, description: 'ENABLED, DISABLED, PENDING_DELETE or FROZEN.' }),
      kmsKeyId: t.exposeString('kmsKeyId', { nullable: true }),
      description: t.exposeString('description', { nullable: true }),
      scheduledDeleteTime: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.scheduledDeleteTime }),
      autoRotation: t.boolean({
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('autoRotation'),
      }),
      rotationPeriod: t.string({
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('rotationPeriod'),
      }),
      rotationConfig: t.string({
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('rotationConfig'),
      }),
      rotationTime: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('rotationTime'),
      }),
      nextRotationTime: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('nextRotationTime'),
      }),
      eventSubscriptions: t.stringList({
        nullable: true,
        description: 'ShowSecret; null (with an error) when that call fails.',
        complexity: DETAIL_CALL,
        resolve: async (r, _a, ctx) => (await detailOf<CsmsSecretDetail>(ctx, r))?.eventSubscriptions ?? [],
      }),
      enterpriseProjectId: t.string({
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('enterpriseProjectId'),
      }),
      rotationFuncUrn: t.string({
        nullable: true,
        description: 'ShowSecret.',
        complexity: DETAIL_CALL,
        resolve: csmsDetail('rotationFuncUrn'),
      }),
      value: t.field({
        ...REVEAL,
        type: CsmsSecretValueType,
        description:
          'The latest version\'s value (ShowSecretVersion). Needs the "secrets:reveal" scope; audited; one call per secret.',
        resolve: (r, _args, ctx) => revealOf<CsmsSecretValue>(ctx, r),
      }),
    }),
  });
}
