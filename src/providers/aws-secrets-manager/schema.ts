import type { GatewayContext } from '../../context.js';
import { builder } from '../../schema/builder.js';
import { DETAIL_CALL } from '../../schema/cost.js';
import { detailOf, REVEAL, revealOf, secretNode, versionFields, TagType } from '../../schema/secret-node.js';
import type { AwsReplica, AwsSecret, AwsSecretDetail, AwsSecretValue } from './records.js';

/** The GraphQL side of AWS Secrets Manager. Called once, by src/schema/index.ts. */
export function defineAwsSchema(typename: string) {
  const ValueType = builder.objectRef<AwsSecretValue>('AwsSecretValue').implement({
    description: 'The AWSCURRENT version (BatchGetSecretValue).',
    fields: (t) => ({
      secretString: t.exposeString('secretString', { nullable: true }),
      secretBinary: t.exposeString('secretBinary', { nullable: true, description: 'Base64.' }),
      ...versionFields(t),
    }),
  });

  const ReplicaType = builder.objectRef<AwsReplica>('AwsSecretReplica').implement({
    description: 'A region the secret is replicated to.',
    fields: (t) => ({
      region: t.exposeString('region'),
      status: t.exposeString('status', { nullable: true, description: 'InSync, Failed or InProgress.' }),
      statusMessage: t.exposeString('statusMessage', { nullable: true }),
      kmsKeyId: t.exposeString('kmsKeyId', { nullable: true }),
      lastAccessedDate: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.lastAccessedDate }),
    }),
  });

  return secretNode<AwsSecret>(typename, 'aws-secrets-manager', {
    description:
      'A secret of AWS Secrets Manager, in its region. `replicas` costs one DescribeSecret per secret; `value` one BatchGetSecretValue per 20.',
    fields: (t) => ({
      arn: t.exposeString('arn'),
      description: t.exposeString('description', { nullable: true }),
      kmsKeyId: t.exposeString('kmsKeyId', { nullable: true }),
      rotationEnabled: t.exposeBoolean('rotationEnabled'),
      rotationLambdaArn: t.exposeString('rotationLambdaArn', { nullable: true }),
      rotationAfterDays: t.exposeInt('rotationAfterDays', { nullable: true }),
      rotationSchedule: t.exposeString('rotationSchedule', { nullable: true }),
      lastRotatedDate: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.lastRotatedDate }),
      lastAccessedDate: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'AWS keeps the day only.',
        resolve: (r) => r.lastAccessedDate,
      }),
      nextRotationDate: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.nextRotationDate }),
      deletedDate: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'When the secret is scheduled for deletion.',
        resolve: (r) => r.deletedDate,
      }),
      owningService: t.exposeString('owningService', {
        nullable: true,
        description: 'The service that manages it (e.g. rds).',
      }),
      primaryRegion: t.exposeString('primaryRegion', { nullable: true }),
      tags: t.field({ type: [TagType], resolve: (r) => r.tags }),
      replicas: t.field({
        type: [ReplicaType],
        nullable: true,
        description: 'DescribeSecret; null (with an error) when that call fails.',
        complexity: DETAIL_CALL,
        resolve: async (r, _args, ctx: GatewayContext) => (await detailOf<AwsSecretDetail>(ctx, r))?.replicas ?? [],
      }),
      value: t.field({
        ...REVEAL,
        type: ValueType,
        description:
          'The current value (BatchGetSecretValue, 20 secrets a call). Needs the "secrets:reveal" scope; audited.',
        resolve: (r, _args, ctx) => revealOf<AwsSecretValue>(ctx, r),
      }),
    }),
  });
}
