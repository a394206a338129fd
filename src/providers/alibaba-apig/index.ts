import { apigConfig, type ApigSourceConfig } from './config.js';
import type { ProviderModule } from '../module.js';
import { STANDARD_BREAKER, STANDARD_RETRY } from '../../sources/source-config.js';
import { APIG_ERROR_CODES, createApigSource } from './adapter.js';
import type { ApigSecret, ApigSecretValue } from './records.js';
import { defineApigSchema } from './schema.js';

export const alibabaApig: ProviderModule<'alibaba-apig', ApigSecret, never, ApigSecretValue, ApigSourceConfig> = {
  id: 'alibaba-apig',
  name: 'ALIBABA_APIG',
  description: 'Alibaba Cloud-native API Gateway',
  typename: 'ApigSecret',
  namespaceKind: 'REGION',
  config: apigConfig,
  defaults: {
    maxConcurrency: 8,
    timeoutMs: 5000,
    rateLimit: { perSecond: 20, burst: 40 },
    retry: STANDARD_RETRY,
    circuitBreaker: STANDARD_BREAKER,
  },
  publicEndpoint: (region) => `https://apig.${region}.aliyuncs.com`,
  errorCodes: APIG_ERROR_CODES,
  create: createApigSource,
  facets: (record) => ({ state: record.status, gatewayType: record.gatewayType }),
  defineSchema: () => defineApigSchema('ApigSecret'),
};
