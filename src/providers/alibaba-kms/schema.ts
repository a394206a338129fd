import { builder } from '../../schema/builder.js';
import { DETAIL_CALL } from '../../schema/cost.js';
import { detailOf, REVEAL, revealOf, secretNode, versionFields, TagType } from '../../schema/secret-node.js';
import type { GatewayContext } from '../../context.js';
import type { KmsSecret, KmsSecretDetail, KmsSecretValue } from './records.js';

/** The GraphQL side of this provider: its value type(s) and its `Secret` type. Called once, by src/schema/index.ts. */
export function defineKmsSchema(typename: string) {
  const KmsSecretValueType = builder.objectRef<KmsSecretValue>('KmsSecretValue').implement({
    description: 'GetSecretValue of the ACSCurrent version.',
    fields: (t) => ({
      secretData: t.exposeString('secretData'),
      secretDataType: t.exposeString('secretDataType', {
        nullable: true,
        description: '"text", or "binary" (secretData is then base64).',
      }),
      ...versionFields(t),
    }),
  });

  const kmsDetail =
    <K extends keyof KmsSecretDetail>(key: K) =>
    async (r: KmsSecret, _args: unknown, ctx: GatewayContext) =>
      (await detailOf<KmsSecretDetail>(ctx, r))?.[key] ?? null;

  return secretNode<KmsSecret>(typename, 'alibaba-kms', {
    description:
      'A secret of Alibaba Cloud Key Management Service (KMS). Fields marked "DescribeSecret" cost one call per secret.',
    fields: (t) => ({
      tags: t.field({ type: [TagType], resolve: (r) => r.tags ?? [] }),
      plannedDeleteTime: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.plannedDeleteTime }),
      owingService: t.exposeString('owingService', { nullable: true }),
      description: t.string({
        nullable: true,
        description: 'DescribeSecret.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('description'),
      }),
      arn: t.string({
        nullable: true,
        description: 'DescribeSecret.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('arn'),
      }),
      encryptionKeyId: t.string({
        nullable: true,
        description: 'DescribeSecret.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('encryptionKeyId'),
      }),
      automaticRotation: t.string({
        nullable: true,
        description: 'DescribeSecret: Enabled, Disabled or Invalid.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('automaticRotation'),
      }),
      rotationInterval: t.string({
        nullable: true,
        description: 'DescribeSecret, e.g. "604800s".',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('rotationInterval'),
      }),
      lastRotationDate: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'DescribeSecret.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('lastRotationDate'),
      }),
      nextRotationDate: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'DescribeSecret.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('nextRotationDate'),
      }),
      extendedConfig: t.string({
        nullable: true,
        description: 'DescribeSecret (JSON text).',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('extendedConfig'),
      }),
      dkmsInstanceId: t.string({
        nullable: true,
        description: 'DescribeSecret.',
        complexity: DETAIL_CALL,
        resolve: kmsDetail('dkmsInstanceId'),
      }),
      value: t.field({
        ...REVEAL,
        type: KmsSecretValueType,
        description:
          'The current value (GetSecretValue, ACSCurrent). Needs the "secrets:reveal" scope; audited; one call per secret.',
        resolve: (r, _args, ctx) => revealOf<KmsSecretValue>(ctx, r),
      }),
    }),
  });
}
