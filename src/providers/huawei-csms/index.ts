import { csmsConfig, type CsmsSourceConfig } from './config.js';
import type { ProviderModule } from '../module.js';
import { STANDARD_BREAKER, STANDARD_RETRY } from '../../sources/source-config.js';
import { createCsmsSource, CSMS_ERROR_CODES, readCsmsError } from './adapter.js';
import type { CsmsSecret, CsmsSecretDetail, CsmsSecretValue } from './records.js';
import { defineCsmsSchema } from './schema.js';

export const huaweiCsms: ProviderModule<
  'huawei-csms',
  CsmsSecret,
  CsmsSecretDetail,
  CsmsSecretValue,
  CsmsSourceConfig
> = {
  id: 'huawei-csms',
  name: 'HUAWEI_CSMS',
  description: 'Huawei Cloud Cloud Secret Management Service',
  typename: 'CsmsSecret',
  namespaceKind: 'PROJECT',
  config: csmsConfig,
  // Huawei's API gateway throttles (APIG.0308) well above what one gateway needs.
  defaults: {
    maxConcurrency: 8,
    timeoutMs: 5000,
    rateLimit: { perSecond: 20, burst: 40 },
    retry: STANDARD_RETRY,
    circuitBreaker: STANDARD_BREAKER,
  },
  publicEndpoint: (region) => `https://kms.${region}.myhuaweicloud.com`,
  errorCodes: CSMS_ERROR_CODES,
  readError: readCsmsError,
  typeOfDetail: (detail) => detail?.secretType ?? null,
  create: (config, endpoint, caller) =>
    createCsmsSource(config, endpoint, config.iamEndpoint ?? `https://iam.${config.region}.myhuaweicloud.com`, caller),
  facets: (record) => ({ state: record.state }),
  defineSchema: () => defineCsmsSchema('CsmsSecret'),
};
