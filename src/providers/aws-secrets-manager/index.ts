import { z } from 'zod';
import type { ProviderModule } from '../module.js';
import { sourceFields, STANDARD_BREAKER, STANDARD_RETRY } from '../../sources/source-config.js';
import { createAwsSource } from './adapter.js';
import { AWS_SECRETS_MANAGER_ERROR_CODES, readAwsError } from './client.js';
import type { AwsSecret, AwsSecretDetail, AwsSecretValue } from './records.js';
import { defineAwsSchema } from './schema.js';

export const awsConfig = z.object({
  ...sourceFields,
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as eu-west-1'),
  provider: z.literal('aws-secrets-manager'),
  /** Static keys (better as `${ENV}` references), or `{ type: default }`: the SDK's default chain (environment, profile, web identity, IMDS). */
  credentials: z
    .union([
      z.object({ type: z.literal('default') }).strict(),
      z
        .object({
          accessKeyId: z.string().min(1),
          secretAccessKey: z.string().min(1),
          sessionToken: z.string().min(1).optional(),
        })
        .strict(),
    ])
    .default({ type: 'default' }),
  /** List secrets scheduled for deletion too (ListSecrets IncludePlannedDeletion). */
  includePlannedDeletion: z.boolean().default(false),
});
export type AwsSourceConfig = z.infer<typeof awsConfig>;

export const awsSecretsManager: ProviderModule<
  'aws-secrets-manager',
  AwsSecret,
  AwsSecretDetail,
  AwsSecretValue,
  AwsSourceConfig
> = {
  id: 'aws-secrets-manager',
  name: 'AWS_SECRETS_MANAGER',
  description: 'AWS Secrets Manager',
  typename: 'AwsSecret',
  namespaceKind: 'REGION',
  config: awsConfig,
  // Secrets Manager allows 100 ListSecrets and DescribeSecret calls a second per account and region.
  defaults: {
    maxConcurrency: 8,
    timeoutMs: 5000,
    rateLimit: { perSecond: 50, burst: 100 },
    retry: STANDARD_RETRY,
    circuitBreaker: STANDARD_BREAKER,
  },
  publicEndpoint: (region) => `https://secretsmanager.${region}.amazonaws.com`,
  errorCodes: AWS_SECRETS_MANAGER_ERROR_CODES,
  readError: readAwsError,
  create: createAwsSource,
  facets: (record) => ({ tags: record.tags }),
  defineSchema: () => defineAwsSchema('AwsSecret'),
};
