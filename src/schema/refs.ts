import type { ApigSecret, CsmsSecret, KmsSecret, RelatedAppRecord, SaeSecret, SecretRecord, SecretSource } from '../sources/types.js';
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

export const ProviderEnum = builder.enumType('Provider', {
  values: {
    ALIBABA_SAE: { value: 'alibaba-sae', description: 'Alibaba Cloud Serverless App Engine' },
    ALIBABA_APIG: { value: 'alibaba-apig', description: 'Alibaba Cloud-native API Gateway' },
    ALIBABA_KMS: { value: 'alibaba-kms', description: 'Alibaba Cloud Key Management Service' },
    HUAWEI_CSMS: { value: 'huawei-csms', description: 'Huawei Cloud Cloud Secret Management Service' },
  } as const,
});
