import { saeConfig, type SaeSourceConfig } from './config.js';
import type { ProviderModule } from '../module.js';
import { STANDARD_BREAKER, STANDARD_RETRY } from '../../sources/source-config.js';
import { createSaeSource, SAE_ERROR_CODES } from './adapter.js';
import type { SaeSecret, SaeSecretDetail, SaeSecretValue } from './records.js';
import { defineSaeSchema } from './schema.js';

export const alibabaSae: ProviderModule<'alibaba-sae', SaeSecret, SaeSecretDetail, SaeSecretValue, SaeSourceConfig> = {
  id: 'alibaba-sae',
  name: 'ALIBABA_SAE',
  description: 'Alibaba Cloud Serverless App Engine',
  typename: 'SaeSecret',
  namespaceKind: 'SAE_NAMESPACE',
  config: saeConfig,
  // SAE allows about 60 calls a minute per user.
  defaults: {
    maxConcurrency: 5,
    timeoutMs: 5000,
    rateLimit: { perSecond: 1, burst: 20 },
    retry: STANDARD_RETRY,
    circuitBreaker: STANDARD_BREAKER,
  },
  publicEndpoint: (region) => `https://sae.${region}.aliyuncs.com`,
  errorCodes: SAE_ERROR_CODES,
  create: createSaeSource,
  facets: () => ({}),
  defineSchema: () => defineSaeSchema('SaeSecret'),
};
