import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  type Filter,
  type FilterNameStringType,
  type SecretListEntry,
} from '@aws-sdk/client-secrets-manager';
import type { ErrorCodeTable, RawProviderError } from '../../upstream/errors.js';
import { millisecondsHeader, retryAfterHeaderMs } from '../../upstream/retry-after.js';

/**
 * Thin functions over the AWS SDK's SecretsManagerClient that answer in our own record shapes.
 * The SDK's retries are off (maxAttempts 1): the gateway's upstream layer owns retries, rate limits
 * and the circuit breaker. A failed call rejects with the SDK's own error (`name` is the AWS code,
 * `$metadata.httpStatusCode` the status), which readAwsError reads for the gateway.
 */

export const AWS_SECRETS_MANAGER_ERROR_CODES: ErrorCodeTable = {
  ThrottlingException: 'UPSTREAM_THROTTLED',
  TooManyRequestsException: 'UPSTREAM_THROTTLED',
  RequestLimitExceeded: 'UPSTREAM_THROTTLED',
  InternalServiceError: 'UPSTREAM_UNAVAILABLE',
  InternalFailure: 'UPSTREAM_UNAVAILABLE',
  ServiceUnavailable: 'UPSTREAM_UNAVAILABLE',
  ResourceNotFoundException: 'UPSTREAM_NOT_FOUND',
  UnrecognizedClientException: 'UPSTREAM_AUTH_FAILED',
  InvalidSignatureException: 'UPSTREAM_AUTH_FAILED',
  IncompleteSignatureException: 'UPSTREAM_AUTH_FAILED',
  MissingAuthenticationTokenException: 'UPSTREAM_AUTH_FAILED',
  ExpiredTokenException: 'UPSTREAM_AUTH_FAILED',
  InvalidClientTokenId: 'UPSTREAM_AUTH_FAILED',
  // The SDK's default provider chain found no credentials.
  CredentialsProviderError: 'UPSTREAM_AUTH_FAILED',
  AccessDeniedException: 'UPSTREAM_FORBIDDEN',
  // KMS refused to decrypt: in practice a key policy or grant that leaves the caller out.
  DecryptionFailure: 'UPSTREAM_FORBIDDEN',
  InvalidParameterException: 'UPSTREAM_BAD_REQUEST',
  InvalidRequestException: 'UPSTREAM_BAD_REQUEST',
  InvalidNextTokenException: 'UPSTREAM_BAD_REQUEST',
  ValidationException: 'UPSTREAM_BAD_REQUEST',
  SerializationException: 'UPSTREAM_BAD_REQUEST',
  UnknownOperationException: 'UPSTREAM_BAD_REQUEST',
};

export interface AwsStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsSecretsManagerClientConfig {
  region: string;
  /** Overrides the regional endpoint (an emulator, a VPC endpoint). */
  endpoint?: string;
  /** Static keys; without them the SDK's default provider chain (env, profile, IMDS, web identity …) is used. */
  credentials?: AwsStaticCredentials;
  /** Per-request socket timeout; default 10 s. */
  requestTimeoutMs?: number;
}

export type AwsFilterKey = FilterNameStringType;

export interface AwsFilter {
  key: AwsFilterKey;
  /** Prefix matches; a leading `!` negates (see AWS's Filter documentation). */
  values: string[];
}

export interface AwsTag {
  key: string;
  value: string;
}

export interface AwsRotationRules {
  automaticallyAfterDays: number | null;
  scheduleExpression: string | null;
  duration: string | null;
}

/** One secret as ListSecrets returns it (no value). */
export interface AwsSecretRecord {
  arn: string;
  name: string;
  description: string | null;
  kmsKeyId: string | null;
  rotationEnabled: boolean;
  rotationLambdaArn: string | null;
  rotationRules: AwsRotationRules | null;
  lastRotatedDate: Date | null;
  lastChangedDate: Date | null;
  lastAccessedDate: Date | null;
  /** Set when the secret is scheduled for deletion. */
  deletedDate: Date | null;
  nextRotationDate: Date | null;
  tags: AwsTag[];
  /** Version id → staging labels. */
  versionStages: Record<string, string[]>;
  owningService: string | null;
  createdDate: Date | null;
  primaryRegion: string | null;
}

export interface AwsReplicaStatus {
  region: string;
  kmsKeyId: string | null;
  status: string | null;
  statusMessage: string | null;
  lastAccessedDate: Date | null;
}

/** DescribeSecret: the list fields plus where the secret is replicated. */
export interface AwsSecretDetail extends AwsSecretRecord {
  replicationStatus: AwsReplicaStatus[];
}

export interface AwsSecretValue {
  arn: string;
  name: string;
  versionId: string | null;
  versionStages: string[];
  createdDate: Date | null;
  /** Exactly one of the two is set. */
  secretString: string | null;
  /** Binary values, base64-encoded. */
  secretBinaryBase64: string | null;
}

/** A secret BatchGetSecretValue could not return, as AWS reports it. */
export interface AwsSecretValueError {
  secretId: string;
  errorCode: string;
  message: string | null;
}

export interface ListSecretsPageInput {
  filters?: AwsFilter[];
  includePlannedDeletion?: boolean;
  /** 1..100. */
  maxResults?: number;
  nextToken?: string | null;
  sortOrder?: 'asc' | 'desc';
}

export interface ListSecretsPage {
  secrets: AwsSecretRecord[];
  /** Null on the last page. */
  nextToken: string | null;
}

export const BATCH_GET_SECRET_VALUE_MAX_IDS = 20;

export interface AwsSecretsManagerClient {
  readonly sdk: SecretsManagerClient;
  listSecretsPage(input?: ListSecretsPageInput): Promise<ListSecretsPage>;
  describeSecret(secretId: string): Promise<AwsSecretDetail>;
  /** At most 20 ids (one call); ids that fail alone come back in `errors`, in no particular order. */
  batchGetSecretValues(
    secretIds: readonly string[],
  ): Promise<{ values: AwsSecretValue[]; errors: AwsSecretValueError[] }>;
  /** The AWSCURRENT value, or the given version / staging label. */
  getSecretValue(secretId: string, version?: { versionId?: string; versionStage?: string }): Promise<AwsSecretValue>;
  destroy(): void;
}

export function createAwsSecretsManagerClient(config: AwsSecretsManagerClientConfig): AwsSecretsManagerClient {
  const timeoutMs = config.requestTimeoutMs ?? 10_000;
  const sdk = new SecretsManagerClient({
    region: config.region,
    endpoint: config.endpoint,
    credentials: config.credentials,
    maxAttempts: 1,
    // Without throwOnRequestTimeout the handler only logs a warning and keeps waiting on a hung socket.
    requestHandler: { requestTimeout: timeoutMs, connectionTimeout: timeoutMs, throwOnRequestTimeout: true },
  });

  return {
    sdk,
    async listSecretsPage(input = {}) {
      const output = await sdk.send(
        new ListSecretsCommand({
          Filters: input.filters?.map(toSdkFilter),
          IncludePlannedDeletion: input.includePlannedDeletion,
          MaxResults: input.maxResults,
          NextToken: input.nextToken ?? undefined,
          SortOrder: input.sortOrder,
        }),
      );
      return { secrets: (output.SecretList ?? []).map(toRecord), nextToken: output.NextToken ?? null };
    },
    async describeSecret(secretId) {
      const output = await sdk.send(new DescribeSecretCommand({ SecretId: secretId }));
      return {
        ...toRecord({ ...output, SecretVersionsToStages: output.VersionIdsToStages }),
        replicationStatus: (output.ReplicationStatus ?? []).map((replica) => ({
          region: replica.Region ?? '',
          kmsKeyId: replica.KmsKeyId ?? null,
          status: replica.Status ?? null,
          statusMessage: replica.StatusMessage ?? null,
          lastAccessedDate: replica.LastAccessedDate ?? null,
        })),
      };
    },
    async batchGetSecretValues(secretIds) {
      if (secretIds.length < 1 || secretIds.length > BATCH_GET_SECRET_VALUE_MAX_IDS) {
        throw new RangeError(
          `batchGetSecretValues takes 1 to ${BATCH_GET_SECRET_VALUE_MAX_IDS} ids, got ${secretIds.length}`,
        );
      }
      const output = await sdk.send(new BatchGetSecretValueCommand({ SecretIdList: [...secretIds] }));
      return {
        values: (output.SecretValues ?? []).map(toValue),
        errors: (output.Errors ?? []).map((error) => ({
          secretId: error.SecretId ?? '',
          errorCode: error.ErrorCode ?? '',
          message: error.Message ?? null,
        })),
      };
    },
    async getSecretValue(secretId, version = {}) {
      const output = await sdk.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          VersionId: version.versionId,
          VersionStage: version.versionStage,
        }),
      );
      return toValue(output);
    },
    destroy: () => sdk.destroy(),
  };
}

function toSdkFilter(filter: AwsFilter): Filter {
  return { Key: filter.key, Values: filter.values };
}

function toRecord(entry: SecretListEntry): AwsSecretRecord {
  const rules = entry.RotationRules;
  return {
    arn: entry.ARN ?? '',
    name: entry.Name ?? '',
    description: entry.Description ?? null,
    kmsKeyId: entry.KmsKeyId ?? null,
    rotationEnabled: entry.RotationEnabled ?? false,
    rotationLambdaArn: entry.RotationLambdaARN ?? null,
    rotationRules: rules
      ? {
          automaticallyAfterDays: rules.AutomaticallyAfterDays ?? null,
          scheduleExpression: rules.ScheduleExpression ?? null,
          duration: rules.Duration ?? null,
        }
      : null,
    lastRotatedDate: entry.LastRotatedDate ?? null,
    lastChangedDate: entry.LastChangedDate ?? null,
    lastAccessedDate: entry.LastAccessedDate ?? null,
    deletedDate: entry.DeletedDate ?? null,
    nextRotationDate: entry.NextRotationDate ?? null,
    tags: (entry.Tags ?? []).map((tag) => ({ key: tag.Key ?? '', value: tag.Value ?? '' })),
    versionStages: entry.SecretVersionsToStages ?? {},
    owningService: entry.OwningService ?? null,
    createdDate: entry.CreatedDate ?? null,
    primaryRegion: entry.PrimaryRegion ?? null,
  };
}

function toValue(entry: {
  ARN?: string;
  Name?: string;
  VersionId?: string;
  VersionStages?: string[];
  CreatedDate?: Date;
  SecretString?: string;
  SecretBinary?: Uint8Array;
}): AwsSecretValue {
  return {
    arn: entry.ARN ?? '',
    name: entry.Name ?? '',
    versionId: entry.VersionId ?? null,
    versionStages: entry.VersionStages ?? [],
    createdDate: entry.CreatedDate ?? null,
    secretString: entry.SecretString ?? null,
    secretBinaryBase64: entry.SecretBinary ? Buffer.from(entry.SecretBinary).toString('base64') : null,
  };
}

/**
 * How the gateway reads this client's failures (the module's `readError`): the SDK's exceptions
 * carry the AWS code as `name`, the status and request id in `$metadata`, the answer's headers in
 * `$response` (the waits the SDK's own retries honour: `x-amz-retry-after` in ms, `Retry-After`).
 * Transport errors (ECONNREFUSED, timeouts, unreadable bodies) are left to the generic reader.
 */
export function readAwsError(error: unknown): Partial<RawProviderError> | null {
  if (error instanceof SecretsManagerServiceException) {
    const headers = error.$response?.headers ?? {};
    return {
      providerCode: error.name,
      message: error.message || null,
      httpStatus: error.$metadata.httpStatusCode ?? null,
      requestId: error.$metadata.requestId ?? null,
      retryAfterMs: millisecondsHeader(headers['x-amz-retry-after']) ?? retryAfterHeaderMs(headers['retry-after']),
    };
  }
  if (error instanceof Error && error.name === 'CredentialsProviderError')
    return { providerCode: error.name, message: error.message };
  return null;
}
