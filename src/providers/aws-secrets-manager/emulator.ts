import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import {
  EmulatorServer,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../../emulators/core.js';
import { AWS_EMULATOR_CREDENTIALS } from './credentials.js';
import {
  generateAwsSecretsManagerSeed,
  type AwsSecretsManagerSeed,
  type AwsSeedSecret,
  type AwsSeedVersion,
} from './data.js';
import { sameText, verifySigV4, type SigV4Key } from './sigv4.js';

/**
 * # AWS Secrets Manager emulator
 *
 * The AWS JSON 1.1 protocol as `@aws-sdk/client-secrets-manager` speaks it: `POST /` with
 * `X-Amz-Target: secretsmanager.<Operation>` and `Content-Type: application/x-amz-json-1.1`;
 * timestamps are epoch seconds (fractional numbers), blobs base64. Operations: ListSecrets,
 * DescribeSecret, GetSecretValue, BatchGetSecretValue.
 *
 * Every call is checked as AWS checks SigV4 (sigv4.ts): the Authorization header's form, the
 * credential scope (date of X-Amz-Date / this region / `secretsmanager` / `aws4_request`), the
 * access key, a session token for temporary keys (signed `X-Amz-Security-Token`), X-Amz-Date within
 * 5 minutes, and the signature recomputed over the signed headers and the body as received.
 *
 * Errors: HTTP 400 (500 for InternalServiceError) with `{"__type": code, "message": …}`,
 * `x-amzn-errortype` and `x-amzn-requestid`. The signature-mismatch message is AWS's first sentence
 * only: AWS appends the canonical request, which would carry the session token.
 *
 * Where the documentation is silent, these are the emulator's choices, not facts about AWS:
 * - ListSecrets without SortOrder lists oldest first (asc); MaxResults defaults to 100.
 * - ListSecrets' NextToken names the last secret returned (its sort value and ARN), HMAC-signed and
 *   bound to the query (filters, sort, IncludePlannedDeletion): the next page starts after it, so a
 *   secret deleted or created meanwhile shifts no other (an offset would hide one from a walk, which
 *   a sync would take for a deletion). A token altered, forged or reused with another query is
 *   InvalidNextTokenException. BatchGetSecretValue's NextToken is a signed offset.
 * - Filters AND together. Within one filter, a secret passes when it matches any plain value (if
 *   there is one) and none of the `!`-negated values; a tag filter matches when any tag does.
 *   `all` splits the value into words (as the user guide describes the console search) and matches
 *   when any word is a case-insensitive prefix of a word of the name, description or a tag.
 * - A parameter outside its range (MaxResults, SecretIdList size, filter values, Filters together
 *   with SecretIdList) is InvalidParameterException, as the brief for this emulator asks; AWS may
 *   answer some of these with ValidationException.
 * - Only X-Amz-Date is accepted as the signing date (AWS also takes `Date`).
 */

export const AWS_SECRETS_MANAGER_OPERATIONS = [
  'ListSecrets',
  'DescribeSecret',
  'GetSecretValue',
  'BatchGetSecretValue',
] as const;
export type AwsSecretsManagerOperation = (typeof AWS_SECRETS_MANAGER_OPERATIONS)[number];

export const LIST_SECRETS_MAX_RESULTS = 100;
export const BATCH_GET_MAX_IDS = 20;
export const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
const SORT_BY = ['created-date', 'last-accessed-date', 'last-changed-date', 'name'] as const;
const FILTER_VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/;

/** Which framework answers: Coral's front end (auth, throttling) or Secrets Manager itself. */
const ERROR_NAMESPACES = {
  service: 'http://internal.amazon.com/coral/com.amazonaws.secrets/',
  auth: 'http://internal.amazon.com/coral/com.amazon.coral.service/',
  availability: 'http://internal.amazon.com/coral/com.amazon.coral.availability/',
} as const;

/** The error codes this emulator answers with; messages as AWS words them. */
export const AWS_SECRETS_MANAGER_ERRORS = {
  ResourceNotFoundException: {
    status: 400,
    origin: 'service',
    message: "Secrets Manager can't find the specified secret.",
  },
  InvalidParameterException: { status: 400, origin: 'service', message: 'The parameter name or value is invalid.' },
  InvalidRequestException: {
    status: 400,
    origin: 'service',
    message: 'A parameter value is not valid for the current state of the resource.',
  },
  InvalidNextTokenException: { status: 400, origin: 'service', message: 'The NextToken value is invalid.' },
  DecryptionFailure: {
    status: 400,
    origin: 'service',
    message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
  },
  InternalServiceError: { status: 500, origin: 'service', message: 'An error occurred on the server side.' },
  AccessDeniedException: { status: 400, origin: 'auth', message: 'User is not authorized to perform this action.' },
  SerializationException: {
    status: 400,
    origin: 'auth',
    message: 'Start of structure or map found where not expected.',
  },
  UnknownOperationException: { status: 400, origin: 'auth', message: 'The requested operation is not supported.' },
  MissingAuthenticationTokenException: { status: 400, origin: 'auth', message: 'Missing Authentication Token' },
  IncompleteSignatureException: {
    status: 400,
    origin: 'auth',
    message: 'The request signature does not conform to AWS standards.',
  },
  InvalidSignatureException: {
    status: 400,
    origin: 'auth',
    message:
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  },
  UnrecognizedClientException: {
    status: 400,
    origin: 'auth',
    message: 'The security token included in the request is invalid.',
  },
  ExpiredTokenException: {
    status: 400,
    origin: 'auth',
    message: 'The security token included in the request is expired',
  },
  ThrottlingException: { status: 400, origin: 'availability', message: 'Rate exceeded' },
} as const satisfies Record<string, { status: number; origin: keyof typeof ERROR_NAMESPACES; message: string }>;
export type AwsSecretsManagerErrorCode = keyof typeof AWS_SECRETS_MANAGER_ERRORS;

export interface AwsTemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface AwsSecretsManagerEmulatorOptions {
  /** Accepted long-term keys: access key id → secret access key. Default AWS_EMULATOR_CREDENTIALS. */
  credentials?: Readonly<Record<string, string>>;
  /** Server clock (ms) for the signature window and token expiry; tests use it to simulate skew. */
  now?: () => number;
}

export interface AwsFailNextOptions {
  /** Only calls of this operation consume the entry; default any operation. */
  operation?: AwsSecretsManagerOperation;
  times?: number;
  message?: string;
}

export interface AwsSecretsManagerEmulator extends ProviderEmulator {
  readonly seed: AwsSecretsManagerSeed;
  /** Answers the next matching, correctly signed call(s) with this error instead of the result. */
  failNext(code: AwsSecretsManagerErrorCode, options?: AwsFailNextOptions): void;
  clearForcedErrors(): void;
  /** Temporary credentials, as STS hands them out: accepted only with their session token, until they expire. */
  issueTemporaryCredentials(lifetimeSeconds: number): AwsTemporaryCredentials;
  /**
   * Call after changing `seed.secrets` (a secret created, edited or deleted "at the cloud"), so that
   * the next calls answer with the change: what a portal's change feed is tested against.
   */
  dataChanged(): void;
}

interface ApiError {
  code: AwsSecretsManagerErrorCode;
  message?: string;
}

type Json = Record<string, unknown>;
type Filter = { key: FilterKey; values: string[] };

export function createAwsSecretsManagerEmulator(
  data: AwsSecretsManagerSeed,
  options: AwsSecretsManagerEmulatorOptions = {},
): AwsSecretsManagerEmulator {
  const now = options.now ?? Date.now;
  const region = data.region;
  const longTermKeys = new Map(
    Object.entries(
      options.credentials ?? { [AWS_EMULATOR_CREDENTIALS.accessKeyId]: AWS_EMULATOR_CREDENTIALS.secretAccessKey },
    ),
  );
  const temporaryKeys = new Map<string, AwsTemporaryCredentials>();
  const keyOf = (accessKeyId: string): SigV4Key | undefined => {
    const temporary = temporaryKeys.get(accessKeyId);
    if (temporary)
      return {
        secretAccessKey: temporary.secretAccessKey,
        temporary: { sessionToken: temporary.sessionToken, expiresAt: temporary.expiration.getTime() },
      };
    const secretAccessKey = longTermKeys.get(accessKeyId);
    return secretAccessKey === undefined ? undefined : { secretAccessKey };
  };
  const forced: Array<{ error: ApiError; operation: string | null; remaining: number }> = [];
  // Signs NextTokens; a fresh key per emulator, so tokens of another instance are foreign too.
  const tokenKey = randomBytes(32);

  const secrets = data.secrets;
  const byId = new Map<string, AwsSeedSecret>();
  const indexById = () => {
    byId.clear();
    for (const secret of secrets) {
      byId.set(secret.name, secret);
      byId.set(secret.arn, secret);
      // AWS accepts a partial ARN (without the random six-character suffix) too.
      byId.set(secret.arn.slice(0, -7), secret);
    }
  };
  indexById();

  // --- operations ----------------------------------------------------------------------------

  function listSecrets(input: Json): EmulatorResponse {
    const maxResults = intInRange(input.MaxResults, LIST_SECRETS_MAX_RESULTS, 1, LIST_SECRETS_MAX_RESULTS);
    if (maxResults === null)
      return fail({
        code: 'InvalidParameterException',
        message: `Invalid MaxResults: must be between 1 and ${LIST_SECRETS_MAX_RESULTS}.`,
      });
    const filters = parseFilters(input.Filters);
    if (typeof filters === 'string') return fail({ code: 'InvalidParameterException', message: filters });
    const sortOrder = input.SortOrder ?? 'asc';
    if (sortOrder !== 'asc' && sortOrder !== 'desc')
      return fail({ code: 'InvalidParameterException', message: 'Invalid SortOrder: must be asc or desc.' });
    const sortBy = input.SortBy ?? 'created-date';
    if (!(SORT_BY as readonly unknown[]).includes(sortBy))
      return fail({
        code: 'InvalidParameterException',
        message: `Invalid SortBy: must be one of ${SORT_BY.join(', ')}.`,
      });
    if (input.IncludePlannedDeletion !== undefined && typeof input.IncludePlannedDeletion !== 'boolean') {
      return fail({ code: 'InvalidParameterException', message: 'Invalid IncludePlannedDeletion.' });
    }
    const includePlannedDeletion = input.IncludePlannedDeletion === true;

    const query = JSON.stringify(['ListSecrets', filters, sortOrder, sortBy, includePlannedDeletion]);
    const after = readListToken(input.NextToken, query);
    if (after === null) return fail({ code: 'InvalidNextTokenException' });

    // One pass per query until the data changes, not one per page: a NextToken chain through 20,000
    // secrets would otherwise cost the emulator 200 passes.
    let matching = listings.get(query);
    if (!matching) {
      matching = sorted(sortBy as (typeof SORT_BY)[number], sortOrder).filter(
        (secret) => (includePlannedDeletion || secret.deletedMs === null) && matchesFilters(secret, filters),
      );
      if (listings.size >= 100) listings.clear();
      listings.set(query, matching);
    }
    const ordered = orderOf(sortBy as (typeof SORT_BY)[number], sortOrder);
    const start = after === 'start' ? 0 : firstAfter(matching, after, ordered);
    const page = matching.slice(start, start + maxResults);
    const end = start + page.length;
    return ok({
      SecretList: page.map(listEntry),
      NextToken: end < matching.length ? listToken(ordered.keyOf(page[page.length - 1]), query) : undefined,
    });
  }

  function describeSecret(input: Json): EmulatorResponse {
    const secret = secretOf(input.SecretId);
    if ('code' in secret) return fail(secret);
    return ok({
      ...listEntry(secret),
      SecretVersionsToStages: undefined,
      VersionIdsToStages: versionsToStages(secret),
      ReplicationStatus: secret.replicas.length
        ? secret.replicas.map((replica) => ({
            Region: replica.region,
            KmsKeyId: replica.kmsKeyId,
            Status: replica.status,
            StatusMessage: replica.statusMessage,
            LastAccessedDate: seconds(replica.lastAccessedMs),
          }))
        : undefined,
    });
  }

  function getSecretValue(input: Json): EmulatorResponse {
    const secret = secretOf(input.SecretId);
    if ('code' in secret) return fail(secret);
    const version = versionOf(secret, input.VersionId, input.VersionStage);
    if ('code' in version) return fail(version);
    return ok(valueEntry(secret, version));
  }

  function batchGetSecretValue(input: Json): EmulatorResponse {
    const ids = input.SecretIdList;
    const hasFilters = input.Filters !== undefined;
    if ((ids === undefined) === !hasFilters) {
      return fail({
        code: 'InvalidParameterException',
        message: 'You must include Filters or SecretIdList, but not both.',
      });
    }
    if (ids !== undefined) {
      if (
        !Array.isArray(ids) ||
        ids.length < 1 ||
        ids.length > BATCH_GET_MAX_IDS ||
        ids.some((id) => typeof id !== 'string')
      ) {
        return fail({
          code: 'InvalidParameterException',
          message: `SecretIdList must contain between 1 and ${BATCH_GET_MAX_IDS} secret IDs.`,
        });
      }
      if (input.MaxResults !== undefined || input.NextToken !== undefined) {
        return fail({
          code: 'InvalidParameterException',
          message: 'MaxResults and NextToken can only be used with Filters.',
        });
      }
      const values: Json[] = [];
      const errors: Json[] = [];
      for (const id of ids as string[]) {
        const secret = secretOf(id);
        const version = 'code' in secret ? secret : versionOf(secret, undefined, undefined);
        if ('code' in version) {
          errors.push({
            SecretId: id,
            ErrorCode: version.code,
            Message: version.message ?? AWS_SECRETS_MANAGER_ERRORS[version.code].message,
          });
        } else {
          values.push(valueEntry(secret as AwsSeedSecret, version));
        }
      }
      return ok({ SecretValues: values, Errors: errors });
    }

    const maxResults = intInRange(input.MaxResults, BATCH_GET_MAX_IDS, 1, BATCH_GET_MAX_IDS);
    if (maxResults === null)
      return fail({
        code: 'InvalidParameterException',
        message: `Invalid MaxResults: must be between 1 and ${BATCH_GET_MAX_IDS}.`,
      });
    const filters = parseFilters(input.Filters);
    if (typeof filters === 'string') return fail({ code: 'InvalidParameterException', message: filters });
    const query = JSON.stringify(['BatchGetSecretValue', filters]);
    const start = readNextToken(input.NextToken, query);
    if (start === null) return fail({ code: 'InvalidNextTokenException' });
    const matching = secrets.filter((secret) => secret.deletedMs === null && matchesFilters(secret, filters));
    const page = matching.slice(start, start + maxResults);
    const end = start + page.length;
    return ok({
      SecretValues: page.map((secret) => valueEntry(secret, currentVersion(secret))),
      Errors: [],
      NextToken: end < matching.length ? nextToken(end, query) : undefined,
    });
  }

  // --- shapes --------------------------------------------------------------------------------

  function listEntry(secret: AwsSeedSecret): Json {
    return {
      ARN: secret.arn,
      Name: secret.name,
      Description: secret.description ?? undefined,
      KmsKeyId: secret.kmsKeyId ?? undefined,
      RotationEnabled: secret.rotationEnabled || undefined,
      RotationLambdaARN: secret.rotationLambdaArn ?? undefined,
      RotationRules: secret.rotationRules ?? undefined,
      LastRotatedDate: seconds(secret.lastRotatedMs),
      LastChangedDate: seconds(secret.lastChangedMs),
      LastAccessedDate: seconds(secret.lastAccessedMs),
      DeletedDate: seconds(secret.deletedMs),
      NextRotationDate: seconds(secret.nextRotationMs),
      Tags: secret.tags.length ? secret.tags : undefined,
      SecretVersionsToStages: versionsToStages(secret),
      OwningService: secret.owningService ?? undefined,
      CreatedDate: seconds(secret.createdMs),
      PrimaryRegion: secret.primaryRegion,
    };
  }

  function valueEntry(secret: AwsSeedSecret, version: AwsSeedVersion): Json {
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.versionId,
      SecretString: version.secretString ?? undefined,
      SecretBinary: version.secretBinaryBase64 ?? undefined,
      VersionStages: version.stages,
      CreatedDate: seconds(version.createdMs),
    };
  }

  // --- lookups, filters, tokens --------------------------------------------------------------

  function secretOf(id: unknown): AwsSeedSecret | ApiError {
    if (typeof id !== 'string' || id.length < 1 || id.length > 2048)
      return { code: 'InvalidParameterException', message: 'Invalid SecretId.' };
    return byId.get(id) ?? { code: 'ResourceNotFoundException' };
  }

  function versionOf(secret: AwsSeedSecret, versionId: unknown, stage: unknown): AwsSeedVersion | ApiError {
    if (secret.deletedMs !== null) {
      return {
        code: 'InvalidRequestException',
        message: "You can't perform this operation on the secret because it was marked for deletion.",
      };
    }
    const version =
      versionId !== undefined
        ? secret.versions.find(
            (v) => v.versionId === versionId && (stage === undefined || v.stages.includes(String(stage))),
          )
        : secret.versions.find((v) => v.stages.includes(stage === undefined ? 'AWSCURRENT' : String(stage)));
    return (
      version ?? {
        code: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret value for staging label or version.",
      }
    );
  }

  const orders = new Map<string, AwsSeedSecret[]>();
  /** ListSecrets' matching secrets per query (filters, order, IncludePlannedDeletion), as of `dataChanged`. */
  const listings = new Map<string, AwsSeedSecret[]>();
  function sorted(sortBy: (typeof SORT_BY)[number], order: 'asc' | 'desc'): AwsSeedSecret[] {
    const cacheKey = `${sortBy}:${order}`;
    let list = orders.get(cacheKey);
    if (!list) {
      const { compareKeys, keyOf } = orderOf(sortBy, order);
      list = [...secrets].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
      orders.set(cacheKey, list);
    }
    return list;
  }

  /** A NextToken carrying `value`, signed and bound to the query it continues. */
  function signedToken(value: unknown, query: string): string {
    const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${payload}.${tokenMac(payload, query)}`;
  }

  /** What a token of ours for this query carries; undefined when it is not one (altered, forged, another query's). */
  function tokenValue(token: unknown, query: string): unknown {
    if (typeof token !== 'string') return undefined;
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined || !sameText(mac, tokenMac(payload, query))) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
  }

  /** A ListSecrets NextToken: after the secret with this sort key, for this query. */
  const listToken = (key: SortKey, query: string) => signedToken({ k: key }, query);

  /** 'start' without a token; the key a token names; null when it is not one of ours for this query. */
  function readListToken(token: unknown, query: string): SortKey | 'start' | null {
    if (token === undefined) return 'start';
    const key = (tokenValue(token, query) as { k?: unknown } | undefined)?.k;
    return Array.isArray(key) &&
      key.length === 2 &&
      (typeof key[0] === 'number' || typeof key[0] === 'string') &&
      typeof key[1] === 'string'
      ? (key as SortKey)
      : null;
  }

  /** A BatchGetSecretValue NextToken: the offset the next page starts at, for this query. */
  const nextToken = (offset: number, query: string) => signedToken({ o: offset }, query);

  /** The offset a NextToken stands for: 0 without one, null when it is not one of ours for this query. */
  function readNextToken(token: unknown, query: string): number | null {
    if (token === undefined) return 0;
    const offset = (tokenValue(token, query) as { o?: unknown } | undefined)?.o;
    return Number.isInteger(offset) && (offset as number) >= 0 ? (offset as number) : null;
  }

  function tokenMac(payload: string, query: string): string {
    return createHmac('sha256', tokenKey).update(`${payload}\n${query}`).digest('base64url');
  }

  // --- dispatch ------------------------------------------------------------------------------

  const handlers: Record<AwsSecretsManagerOperation, (input: Json) => EmulatorResponse> = {
    ListSecrets: listSecrets,
    DescribeSecret: describeSecret,
    GetSecretValue: getSecretValue,
    BatchGetSecretValue: batchGetSecretValue,
  };

  function operationOf(req: EmulatorRequest): AwsSecretsManagerOperation | null {
    const target = header(req, 'x-amz-target') ?? '';
    const name = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : '';
    return req.method === 'POST' &&
      req.path === '/' &&
      (AWS_SECRETS_MANAGER_OPERATIONS as readonly string[]).includes(name)
      ? (name as AwsSecretsManagerOperation)
      : null;
  }

  return {
    name: 'aws-secrets-manager',
    seed: data,
    operationOf,
    async handle(req, operation) {
      const authError = await verifySigV4(req, { region, service: 'secretsmanager', now: now(), keyOf });
      if (authError) return fail(authError);
      const index = forced.findIndex((entry) => entry.operation === null || entry.operation === operation);
      if (index >= 0) {
        const entry = forced[index];
        if (--entry.remaining === 0) forced.splice(index, 1);
        return fail(entry.error);
      }
      let input: unknown;
      try {
        input = JSON.parse(req.body || '{}');
      } catch {
        return fail({ code: 'SerializationException' });
      }
      if (input === null || typeof input !== 'object' || Array.isArray(input))
        return fail({ code: 'SerializationException' });
      return handlers[operation as AwsSecretsManagerOperation](input as Json);
    },
    throttled: () => fail({ code: 'ThrottlingException' }),
    serverError: () => fail({ code: 'InternalServiceError' }),
    notFound: () => fail({ code: 'UnknownOperationException' }),
    failNext(code, failOptions = {}) {
      if (!(code in AWS_SECRETS_MANAGER_ERRORS)) throw new Error(`unknown error code ${code}`);
      const times = failOptions.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
      forced.push({
        error: { code, message: failOptions.message },
        operation: failOptions.operation ?? null,
        remaining: times,
      });
    },
    clearForcedErrors: () => {
      forced.length = 0;
    },
    dataChanged: () => {
      indexById();
      orders.clear();
      listings.clear();
    },
    issueTemporaryCredentials(lifetimeSeconds) {
      const credentials: AwsTemporaryCredentials = {
        accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64'),
        sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(90).toString('base64')}`,
        expiration: new Date(now() + lifetimeSeconds * 1000),
      };
      temporaryKeys.set(credentials.accessKeyId, credentials);
      return credentials;
    },
  };
}

/** Convenience for tests and the demo: seed, emulator and a started loopback server. */
export async function startAwsSecretsManagerEmulator(
  options: AwsSecretsManagerEmulatorOptions & {
    scale?: number;
    seed?: number;
    region?: string;
    port?: number;
    faultSeed?: number;
  } = {},
): Promise<{ emulator: AwsSecretsManagerEmulator; server: EmulatorServer; url: string }> {
  const data = generateAwsSecretsManagerSeed({ scale: options.scale, seed: options.seed, region: options.region });
  const emulator = createAwsSecretsManagerEmulator(data, options);
  const server = new EmulatorServer(emulator, { faultSeed: options.faultSeed });
  const url = await server.start(options.port ?? 0);
  return { emulator, server, url };
}

// --- filters (exported for tests that compute the expected set) -------------------------------

/** Parses ListSecrets / BatchGetSecretValue Filters; a string result says why they are invalid. */
export function parseFilters(raw: unknown): Filter[] | string {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > 10) return 'Filters must be a list of at most 10 filters.';
  const filters: Filter[] = [];
  for (const entry of raw as unknown[]) {
    const { Key: key, Values: values } = (entry ?? {}) as Json;
    if (!(FILTER_KEYS as readonly unknown[]).includes(key))
      return `Invalid filter key: must be one of ${FILTER_KEYS.join(', ')}.`;
    if (!Array.isArray(values) || values.length < 1 || values.length > 10)
      return `Filter ${String(key)} must have between 1 and 10 values.`;
    for (const value of values as unknown[]) {
      if (typeof value !== 'string' || value.length > 512 || !FILTER_VALUE_PATTERN.test(value))
        return `Invalid value for filter ${String(key)}.`;
    }
    filters.push({ key: key as FilterKey, values: values as string[] });
  }
  return filters;
}

export function matchesFilters(secret: AwsSeedSecret, filters: readonly Filter[]): boolean {
  return filters.every(({ key, values }) => {
    const plain = values.filter((value) => !value.startsWith('!'));
    const negated = values.filter((value) => value.startsWith('!')).map((value) => value.slice(1));
    return (
      (plain.length === 0 || plain.some((value) => matchesValue(secret, key, value))) &&
      !negated.some((value) => matchesValue(secret, key, value))
    );
  });
}

function matchesValue(secret: AwsSeedSecret, key: FilterKey, value: string): boolean {
  const prefix = (candidates: Array<string | null>) =>
    candidates.some((candidate) => candidate !== null && candidate.startsWith(value));
  switch (key) {
    case 'name':
      return prefix([secret.name]);
    case 'description':
      return secret.description !== null && secret.description.toLowerCase().startsWith(value.toLowerCase());
    case 'tag-key':
      return prefix(secret.tags.map((tag) => tag.Key));
    case 'tag-value':
      return prefix(secret.tags.map((tag) => tag.Value));
    case 'primary-region':
      return prefix([secret.primaryRegion]);
    case 'owning-service':
      return prefix([secret.owningService]);
    case 'all': {
      const haystack = [
        secret.name,
        secret.description ?? '',
        ...secret.tags.flatMap((tag) => [tag.Key, tag.Value]),
      ].flatMap(words);
      return words(value).some((word) => haystack.some((candidate) => candidate.startsWith(word)));
    }
  }
}

/** Words as the console search splits them: at punctuation, case changes and letter/digit changes; lower-cased. */
export function words(text: string): string[] {
  return (text.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []).map((word) => word.toLowerCase());
}

// --- helpers -----------------------------------------------------------------------------------

function ok(body: Json): EmulatorResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  };
}

function fail(error: ApiError): EmulatorResponse {
  const spec = AWS_SECRETS_MANAGER_ERRORS[error.code];
  return {
    status: spec.status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': `${error.code}:${ERROR_NAMESPACES[spec.origin]}`,
    },
    body: JSON.stringify({ __type: error.code, message: error.message ?? spec.message }),
  };
}

/** A secret's place in a ListSecrets order: its sort value, then its ARN (ties never overlap or skip). */
type SortKey = [number | string, string];

function orderOf(
  sortBy: 'created-date' | 'last-accessed-date' | 'last-changed-date' | 'name',
  order: 'asc' | 'desc',
): { keyOf(secret: AwsSeedSecret): SortKey; compareKeys(a: SortKey, b: SortKey): number } {
  const direction = order === 'asc' ? 1 : -1;
  return {
    keyOf: (s) => [
      sortBy === 'name'
        ? s.name
        : sortBy === 'last-accessed-date'
          ? (s.lastAccessedMs ?? 0)
          : sortBy === 'last-changed-date'
            ? s.lastChangedMs
            : s.createdMs,
      s.arn,
    ],
    compareKeys: (a, b) => direction * (compare(a[0], b[0]) || compare(a[1], b[1])),
  };
}

/** The index of the first secret of `list` (in that order) after `key`, whether or not that secret is still there. */
function firstAfter(list: readonly AwsSeedSecret[], key: SortKey, order: ReturnType<typeof orderOf>): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (order.compareKeys(order.keyOf(list[mid]), key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function versionsToStages(secret: AwsSeedSecret): Record<string, string[]> {
  return Object.fromEntries(secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, v.stages]));
}

function currentVersion(secret: AwsSeedSecret): AwsSeedVersion {
  return secret.versions.find((v) => v.stages.includes('AWSCURRENT')) ?? secret.versions[secret.versions.length - 1];
}

/** JSON 1.1 timestamps: epoch seconds, fractional. */
function seconds(ms: number | null): number | undefined {
  return ms === null ? undefined : ms / 1000;
}

function intInRange(value: unknown, fallback: number, min: number, max: number): number | null {
  if (value === undefined) return fallback;
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max ? (value as number) : null;
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function header(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
