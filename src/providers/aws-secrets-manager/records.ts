import type { SecretBase, Tag } from '../../domain/records.js';

/** What the adapter makes of AWS Secrets Manager's answers: ListSecrets entries, DescribeSecret extras, values. */

export interface AwsSecret extends SecretBase {
  provider: 'aws-secrets-manager';
  arn: string;
  description: string | null;
  kmsKeyId: string | null;
  rotationEnabled: boolean;
  rotationLambdaArn: string | null;
  rotationAfterDays: number | null;
  rotationSchedule: string | null;
  lastRotatedDate: Date | null;
  lastAccessedDate: Date | null;
  nextRotationDate: Date | null;
  /** Set when the secret is scheduled for deletion. */
  deletedDate: Date | null;
  owningService: string | null;
  primaryRegion: string | null;
  tags: Tag[];
  detail?: AwsSecretDetail;
}

export interface AwsReplica {
  region: string;
  kmsKeyId: string | null;
  status: string | null;
  statusMessage: string | null;
  lastAccessedDate: Date | null;
}

/** DescribeSecret's extras. */
export interface AwsSecretDetail {
  replicas: AwsReplica[];
}

/** A secret's value, as AWS returns it: only the reveal path ever holds one. */
export interface AwsSecretValue {
  provider: 'aws-secrets-manager';
  secretString: string | null;
  /** Base64. */
  secretBinary: string | null;
  versionId: string | null;
  versionStages: string[];
  createdAt: Date | null;
}
