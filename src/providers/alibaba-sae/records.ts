import type { RelatedAppRecord, SecretBase } from '../../domain/records.js';

/** What the adapter makes of this provider's answers: the records the schema resolves from. */

export interface SaeSecret extends SecretBase {
  provider: 'alibaba-sae';
  /** An integer that can exceed 2^53, so carried as its decimal string. */
  secretId: string;
  relatedApps: RelatedAppRecord[];
  detail?: SaeSecretDetail;
}
export interface SaeSecretDetail {
  dataKeys: string[];
}

/** A secret's value, as the provider returns it: only the reveal path ever holds one. */
export interface SaeSecretValue {
  provider: 'alibaba-sae';
  /** SecretData entries; SAE keeps each value base64-encoded. */
  data: Array<{ key: string; value: string }>;
}
