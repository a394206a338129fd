import type { SecretBase } from '../../domain/records.js';

/** What the adapter makes of this provider's answers: the records the schema resolves from. */

export interface CsmsSecret extends SecretBase {
  provider: 'huawei-csms';
  secretId: string;
  state: string | null;
  kmsKeyId: string | null;
  description: string | null;
  scheduledDeleteTime: Date | null;
  detail?: CsmsSecretDetail;
}
export interface CsmsSecretDetail {
  secretType: string | null;
  autoRotation: boolean | null;
  rotationPeriod: string | null;
  rotationConfig: string | null;
  rotationTime: Date | null;
  nextRotationTime: Date | null;
  eventSubscriptions: string[];
  enterpriseProjectId: string | null;
  rotationFuncUrn: string | null;
}

/** A secret's value, as the provider returns it: only the reveal path ever holds one. */
export interface CsmsSecretValue {
  provider: 'huawei-csms';
  secretString: string | null;
  secretBinary: string | null;
  versionId: string | null;
  versionStages: string[];
  createdAt: Date | null;
}
