import { GraphQLError } from 'graphql';
import type { Provider } from '../domain/records.js';
import { retryAfterHeaderMs } from './retry-after.js';

/** Stable codes a client can switch on; the provider's own code travels in extensions.providerCode. */
export type UpstreamErrorCode =
  | 'UPSTREAM_THROTTLED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_AUTH_FAILED'
  | 'UPSTREAM_FORBIDDEN'
  | 'UPSTREAM_NOT_FOUND'
  | 'UPSTREAM_BAD_REQUEST'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'UPSTREAM_ERROR';

const RETRYABLE: ReadonlySet<UpstreamErrorCode> = new Set([
  'UPSTREAM_THROTTLED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
]);

/** What any provider error boils down to, whichever client threw it. */
export interface RawProviderError {
  providerCode: string | null;
  message: string | null;
  requestId: string | null;
  httpStatus: number | null;
  /** Set for failures below HTTP: refused, reset, timed out, unparseable body. */
  transport: 'refused' | 'reset' | 'timeout' | 'bad-body' | null;
  /** The provider's own wait (a Retry-After header), when it sent one. */
  retryAfterMs: number | null;
}

/** Why the gateway itself refused a call: none reached the provider. */
/**
 * Why the gateway made no call: the breaker is open, or (a read ahead or an inventory sync) the
 * capacity clients may need was not free.
 */
export type UpstreamRefusal = 'CIRCUIT_OPEN' | 'NO_FREE_CAPACITY';

export interface UpstreamErrorInfo {
  code: UpstreamErrorCode;
  provider: Provider;
  /** The provider as the schema spells it (`ALIBABA_KMS`): what clients and routers see in `extensions.provider`. */
  providerName: string;
  source: string;
  operation: string;
  providerCode: string | null;
  requestId: string | null;
  httpStatus: number | null;
  retryable: boolean;
  /** How long a client should wait before asking again; for retryable errors only. */
  retryAfterMs?: number | null;
  reason?: UpstreamRefusal;
}

export class UpstreamError extends GraphQLError {
  readonly info: UpstreamErrorInfo;
  constructor(message: string, info: UpstreamErrorInfo) {
    super(message, {
      extensions: {
        code: info.code,
        ...(info.reason ? { reason: info.reason } : {}),
        provider: info.providerName,
        source: info.source,
        operation: info.operation,
        providerCode: info.providerCode,
        requestId: info.requestId,
        retryable: info.retryable,
        ...(info.retryable && typeof info.retryAfterMs === 'number' ? { retryAfterMs: info.retryAfterMs } : {}),
      },
    });
    this.info = { ...info, retryAfterMs: info.retryable ? (info.retryAfterMs ?? null) : null };
  }
}

/**
 * Maps provider error codes to gateway codes. Declared per provider as data; the HTTP status is
 * only a fallback because providers disagree on it (SAE throttles with 400, KMS with 429).
 */
export type ErrorCodeTable = Readonly<Record<string, UpstreamErrorCode>>;

/** How one provider's errors are read and classified (its module supplies both). */
export interface ErrorCatalog {
  /** The provider's `Provider` enum value, for `extensions.provider`. */
  readonly name: string;
  readonly errorCodes: ErrorCodeTable;
  /** What the generic reader cannot find in this provider's errors; its non-null fields win. */
  readError?(error: unknown): Partial<RawProviderError> | null;
}

/** Codes every Alibaba POP gateway can answer, whatever the product. */
export const POP_GATEWAY_CODES: ErrorCodeTable = {
  Throttling: 'UPSTREAM_THROTTLED',
  'Throttling.User': 'UPSTREAM_THROTTLED',
  'Throttling.Api': 'UPSTREAM_THROTTLED',
  'Rejected.Throttling': 'UPSTREAM_THROTTLED',
  ServiceUnavailable: 'UPSTREAM_UNAVAILABLE',
  ServiceUnavailableTemporary: 'UPSTREAM_UNAVAILABLE',
  InternalError: 'UPSTREAM_UNAVAILABLE',
  InternalFailure: 'UPSTREAM_UNAVAILABLE',
  'InvalidAccessKeyId.NotFound': 'UPSTREAM_AUTH_FAILED',
  InvalidAccessKeyId: 'UPSTREAM_AUTH_FAILED',
  'InvalidAccessKeyId.Inactive': 'UPSTREAM_AUTH_FAILED',
  SignatureDoesNotMatch: 'UPSTREAM_AUTH_FAILED',
  IncompleteSignature: 'UPSTREAM_AUTH_FAILED',
  MissingAuthorization: 'UPSTREAM_AUTH_FAILED',
  IllegalTimestamp: 'UPSTREAM_AUTH_FAILED',
  SignatureNonceUsed: 'UPSTREAM_AUTH_FAILED',
  'InvalidSecurityToken.Expired': 'UPSTREAM_AUTH_FAILED',
  InvalidSecurityToken: 'UPSTREAM_AUTH_FAILED',
  MissingSecurityToken: 'UPSTREAM_AUTH_FAILED',
  CredentialsUnavailable: 'UPSTREAM_AUTH_FAILED',
  Forbidden: 'UPSTREAM_FORBIDDEN',
  'Forbidden.RAM': 'UPSTREAM_FORBIDDEN',
  'Forbidden.NoPermission': 'UPSTREAM_FORBIDDEN',
  'Forbidden.ResourceNotFound': 'UPSTREAM_NOT_FOUND',
  InvalidParameter: 'UPSTREAM_BAD_REQUEST',
  MissingParameter: 'UPSTREAM_BAD_REQUEST',
  'InvalidAction.NotFound': 'UPSTREAM_BAD_REQUEST',
};

export function classify(raw: RawProviderError, table: ErrorCodeTable): UpstreamErrorCode {
  if (raw.transport === 'timeout') return 'UPSTREAM_TIMEOUT';
  if (raw.transport === 'refused' || raw.transport === 'reset') return 'UPSTREAM_UNAVAILABLE';
  if (raw.providerCode) {
    const exact = table[raw.providerCode];
    if (exact) return exact;
    // Families such as "InvalidParameter.NotEmpty" or "InvalidNamespaceId.NotFound".
    const family = raw.providerCode.split('.')[0];
    if (table[family]) return table[family];
    if (/NotFound$/.test(raw.providerCode)) return 'UPSTREAM_NOT_FOUND';
    if (/^Throttling|Throttl/i.test(raw.providerCode)) return 'UPSTREAM_THROTTLED';
    if (/^Invalid|^Missing/.test(raw.providerCode)) return 'UPSTREAM_BAD_REQUEST';
  }
  if (raw.transport === 'bad-body') return 'UPSTREAM_BAD_RESPONSE';
  const status = raw.httpStatus ?? 0;
  if (status === 429) return 'UPSTREAM_THROTTLED';
  if (status === 401) return 'UPSTREAM_AUTH_FAILED';
  if (status === 403) return 'UPSTREAM_FORBIDDEN';
  if (status === 404) return 'UPSTREAM_NOT_FOUND';
  if (status === 504) return 'UPSTREAM_TIMEOUT';
  if (status >= 500) return 'UPSTREAM_UNAVAILABLE';
  if (status >= 400) return 'UPSTREAM_BAD_REQUEST';
  return 'UPSTREAM_ERROR';
}

export function isRetryable(code: UpstreamErrorCode): boolean {
  return RETRYABLE.has(code);
}

/** An error found in a 2xx body (SAE `Success:false`, APIG `code` other than Ok). */
export class ProviderBodyError extends Error {
  constructor(
    readonly body: Record<string, unknown>,
    readonly httpStatus: number | null = null,
  ) {
    super('provider reported failure in a success response');
  }
}

const CODE_KEYS = ['Code', 'code', 'error_code', 'errorCode', 'ErrorCode'] as const;
const MESSAGE_KEYS = ['Message', 'message', 'error_msg', 'errorMsg', 'errorMessage'] as const;
const REQUEST_ID_KEYS = ['RequestId', 'requestId', 'request_id'] as const;

function pick(obj: unknown, keys: readonly string[]): string | null {
  if (!obj || typeof obj !== 'object') return null;
  for (const key of keys) {
    const value = (obj as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '' && value !== 'Null\n') return value;
    if (typeof value === 'number') return String(value);
  }
  return null;
}

/**
 * Reads any of our clients' errors into one shape: pop-core RPC (`err.data`, status under
 * `err.entry.response`), pop-core ROA (`err.result`, `err.statusCode`, Code/errorCode only),
 * Node network errors and JSON parse failures; then whatever the provider's own reader adds.
 */
export function readProviderError(error: unknown, readOwn?: ErrorCatalog['readError']): RawProviderError {
  const generic = readGenerically(error);
  const own = readOwn?.(error);
  if (!own) return generic;
  const merged = { ...generic };
  for (const [key, value] of Object.entries(own))
    if (value !== null && value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return merged;
}

function readGenerically(error: unknown): RawProviderError {
  const err = (error ?? {}) as Record<string, any>;
  const body =
    err instanceof ProviderBodyError
      ? err.body
      : (err.data ?? err.result ?? (typeof err.body === 'object' ? err.body : null));
  const nested = body && typeof body === 'object' && typeof body.error === 'object' ? body.error : null;
  const errno = String(err.code ?? err.cause?.code ?? '');
  let transport: RawProviderError['transport'] = null;
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(errno)) transport = 'refused';
  else if (/ECONNRESET|EPIPE|ECONNABORTED|socket hang up/.test(errno + String(err.message ?? ''))) transport = 'reset';
  else if (
    /ETIMEDOUT|ESOCKETTIMEDOUT|Timeout/i.test(errno + String(err.name ?? '')) ||
    (/timeout/i.test(String(err.message ?? '')) && !body)
  )
    transport = 'timeout';
  else if (err.name === 'SyntaxError' || err.name === 'FormatError') transport = 'bad-body';

  const providerCode =
    pick(body, CODE_KEYS) ??
    pick(nested, ['code']) ??
    (typeof err.errorCode === 'string' ? err.errorCode : null) ??
    (transport === null && typeof err.code === 'string' && err.code !== '' && !/^E[A-Z]+$/.test(err.code)
      ? err.code
      : null);
  const statusCandidates = [
    err.httpStatus,
    err.statusCode,
    err.httpStatusCode,
    err.entry?.response?.statusCode,
    body?.HttpStatus,
  ];
  const httpStatus = statusCandidates.map(Number).find((n) => Number.isInteger(n) && n >= 100) ?? null;
  return {
    retryAfterMs: retryAfterHeaderMs(
      err.entry?.response?.headers?.['retry-after'] ??
        err.headers?.['retry-after'] ??
        err.response?.headers?.['retry-after'],
    ),
    providerCode: providerCode === '' ? null : providerCode,
    message:
      pick(body, MESSAGE_KEYS) ??
      pick(nested, ['message']) ??
      (typeof err.errorMessage === 'string' ? err.errorMessage : null),
    requestId: pick(body, REQUEST_ID_KEYS) ?? (typeof err.requestId === 'string' ? err.requestId : null),
    httpStatus,
    transport,
  };
}

const SUCCESS_CODES = new Set(['200', 'ok', 'success']);

/** Throws when a 2xx body says it failed. Providers spell success as "200", 200, "Ok" or "success". */
export function assertSuccessBody(body: unknown): void {
  if (!body || typeof body !== 'object') throw new ProviderBodyError({ Message: 'empty or non-JSON body' });
  const record = body as Record<string, unknown>;
  if (record.Success === false || record.success === false) throw new ProviderBodyError(record);
  for (const key of ['Code', 'code'] as const) {
    const code = record[key];
    if (code !== undefined && code !== null && !SUCCESS_CODES.has(String(code).toLowerCase()))
      throw new ProviderBodyError(record);
  }
}

/** For lookups by key: a provider's "not found" means the key has no record, not a failure. */
export async function nullIfNotFound<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof UpstreamError && error.info.code === 'UPSTREAM_NOT_FOUND') return null;
    throw error;
  }
}

/**
 * One call per key, one result per key: a key whose call fails gets its Error, and the others keep
 * their answers (DataLoader then fails only that key's load).
 */
export function eachOf<K, T>(keys: readonly K[], fn: (key: K) => Promise<T>): Promise<Array<T | Error>> {
  return Promise.all(
    keys.map((key) => fn(key).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))),
  );
}
