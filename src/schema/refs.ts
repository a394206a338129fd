import { PROVIDER_NAMES, PROVIDERS, type ApigSecret, type CsmsSecret, type KmsSecret, type Provider, type RelatedAppRecord, type SaeSecret, type SecretRecord, type SecretSource } from '../sources/types.js';
import { builder } from './builder.js';

/** Type refs, declared apart from their fields so that type files can point at each other freely. */

export interface NamespaceShape {
  source: SecretSource;
  id: string;
}

export interface RelatedAppShape extends RelatedAppRecord {
  sourceId: string;
  namespaceId: string;
}

export const SecretRef = builder.interfaceRef<SecretRecord>('Secret');
export const SaeSecretRef = builder.objectRef<SaeSecret>('SaeSecret');
export const ApigSecretRef = builder.objectRef<ApigSecret>('ApigSecret');
export const KmsSecretRef = builder.objectRef<KmsSecret>('KmsSecret');
export const CsmsSecretRef = builder.objectRef<CsmsSecret>('CsmsSecret');
export const NamespaceRef = builder.objectRef<NamespaceShape>('Namespace');
export const RelatedAppRef = builder.objectRef<RelatedAppShape>('RelatedApp');
export const SourceRef = builder.objectRef<SecretSource>('Source');

const PROVIDER_DESCRIPTIONS: Record<Provider, string> = {
  'alibaba-sae': 'Alibaba Cloud Serverless App Engine',
  'alibaba-apig': 'Alibaba Cloud-native API Gateway',
  'alibaba-kms': 'Alibaba Cloud Key Management Service',
  'huawei-csms': 'Huawei Cloud Cloud Secret Management Service',
};

export const ProviderEnum = builder.enumType('Provider', {
  values: Object.fromEntries(PROVIDERS.map((provider) => [PROVIDER_NAMES[provider], { value: provider, description: PROVIDER_DESCRIPTIONS[provider] }])) as {
    [P in Provider as (typeof PROVIDER_NAMES)[P]]: { value: P; description: string };
  },
});
