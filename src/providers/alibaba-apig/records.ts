import type { SecretBase } from '../../domain/records.js';

/** What the adapter makes of this provider's answers: the records the schema resolves from. */

export interface ApigSecret extends SecretBase {
  provider: 'alibaba-apig';
  secretId: string;
  gatewayType: string | null;
  referenceCount: number | null;
  secretSource: string | null;
  status: string | null;
  kmsConfig: { kmsInstanceId: string | null; kmsKeyId: string | null } | null;
  detail?: never;
}

/** A secret's value, as the provider returns it: only the reveal path ever holds one. */
export interface ApigSecretValue {
  provider: 'alibaba-apig';
  secretData: string;
}
