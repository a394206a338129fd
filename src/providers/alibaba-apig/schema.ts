import { builder } from '../../schema/builder.js';
import { REVEAL, revealOf, secretNode } from '../../schema/secret-node.js';
import type { ApigSecret, ApigSecretValue } from './records.js';

/** The GraphQL side of this provider: its value type(s) and its `Secret` type. Called once, by src/schema/index.ts. */
export function defineApigSchema(typename: string) {
  const ApigSecretValueType = builder.objectRef<ApigSecretValue>('ApigSecretValue').implement({
    description: 'GetSecretValue (by name).',
    fields: (t) => ({ secretData: t.exposeString('secretData') }),
  });

  const KmsConfigType = builder
    .objectRef<{ kmsInstanceId: string | null; kmsKeyId: string | null }>('ApigKmsConfig')
    .implement({
      fields: (t) => ({
        kmsInstanceId: t.exposeString('kmsInstanceId', { nullable: true }),
        kmsKeyId: t.exposeString('kmsKeyId', { nullable: true }),
      }),
    });

  return secretNode<ApigSecret>(typename, 'alibaba-apig', {
    description: 'A secret of Alibaba Cloud-native API Gateway (APIG). Every field comes from ListSecrets.',
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
        description:
          'The secret value (GetSecretValue). Needs the "secrets:reveal" scope; audited; one call per secret.',
        resolve: (r, _args, ctx) => revealOf<ApigSecretValue>(ctx, r),
      }),
    }),
  });
}
