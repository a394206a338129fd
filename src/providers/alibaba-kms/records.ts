import type { Tag, SecretBase } from '../../domain/records.js';

/** What the adapter makes of this provider's answers: the records the schema resolves from. */

export interface KmsSecret extends SecretBase {
  provider: 'alibaba-kms';
  plannedDeleteTime: Date | null;
  owingService: string | null;
  /** null when the list call did not fetch tags. */
  tags: Tag[] | null;
  detail?: KmsSecretDetail;
}
export interface KmsSecretDetail {
  description: string | null;
  arn: string | null;
  encryptionKeyId: string | null;
  automaticRotation: string | null;
  rotationInterval: string | null;
  lastRotationDate: Date | null;
  nextRotationDate: Date | null;
  extendedConfig: string | null;
  dkmsInstanceId: string | null;
}

/** A secret's value, as the provider returns it: only the reveal path ever holds one. */
export interface KmsSecretValue {
  provider: 'alibaba-kms';
  secretData: string;
  /** "text", or "binary" (then secretData is base64). */
  secretDataType: string | null;
  versionId: string | null;
  versionStages: string[];
  createdAt: Date | null;
}
