import { kmsConfig, type KmsSourceConfig } from './config.js';
import type { ProviderModule } from '../module.js';
import { STANDARD_BREAKER, STANDARD_RETRY } from '../../sources/source-config.js';
import { createKmsSource, KMS_ERROR_CODES } from './adapter.js';
import type { KmsSecret, KmsSecretDetail, KmsSecretValue } from './records.js';
import { defineKmsSchema } from './schema.js';

export const alibabaKms: ProviderModule<'alibaba-kms', KmsSecret, KmsSecretDetail, KmsSecretValue, KmsSourceConfig> = {
  id: 'alibaba-kms',
  name: 'ALIBABA_KMS',
  description: 'Alibaba Cloud Key Management Service',
  typename: 'KmsSecret',
  namespaceKind: 'REGION',
  config: kmsConfig,
  defaults: {
    maxConcurrency: 8,
    timeoutMs: 5000,
    rateLimit: { perSecond: 50, burst: 100 },
    retry: STANDARD_RETRY,
    circuitBreaker: STANDARD_BREAKER,
  },
  publicEndpoint: (region) => `https://kms.${region}.aliyuncs.com`,
  errorCodes: KMS_ERROR_CODES,
  create: createKmsSource,
  facets: (record) => ({ tags: record.tags ?? [] }),
  defineSchema: () => defineKmsSchema('KmsSecret'),
};
