import { awsConfig, type AwsSourceConfig } from './config.js';
import type { ProviderModule } from '../module.js';
import { STANDARD_BREAKER, STANDARD_RETRY } from '../../sources/source-config.js';
import { createAwsSource } from './adapter.js';
import { AWS_SECRETS_MANAGER_ERROR_CODES, readAwsError } from './client.js';
import type { AwsSecret, AwsSecretDetail, AwsSecretValue } from './records.js';
import { defineAwsSchema } from './schema.js';

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
