// Over 400 lines because it is one hand-built client: the CsmsClient class alone (IAM token, requests, error wrapping) is ~330.
import { HcClient, type HttpRequestOptions } from '@huaweicloud/huaweicloud-sdk-core/HcClient.js';
import { DefaultHttpClient } from '@huaweicloud/huaweicloud-sdk-core/http/DefaultHttpClient.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { ServiceResponseException } from '@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js';
import type { Logger, LogLevel } from '@huaweicloud/huaweicloud-sdk-core/logger/index.js';
import { redact } from '../../upstream/redact.js';

/**
 * Thin Huawei Cloud CSMS client over @huaweicloud/huaweicloud-sdk-core (the generated -csms
 * package is not in our registry). It returns CSMS's raw JSON bodies; the adapter maps them.
 *
 * Why it is built by hand instead of with ClientBuilder:
 * - core's default logger prints failed requests to stdout with every header, including
 *   Authorization and X-Auth-Token; we pass our own logger, which is silent or redacting.
 * - core has no timeout by default; we always set axios' timeout.
 * - withRegion would make core call IAM on its own; we always give the project id.
 * - HcClient turns an unparsable body into an empty success ({}); we read the body ourselves
 *   through a per-call transformResponse and fail with a typed error instead.
 *
 * Every failure is thrown as CsmsCallError (or InvalidCsmsNameError before any I/O), built
 * from plain fields and scrubbed of the configured AK, SK, security token, password and the
 * current token. core's own exceptions carry only status/code/message/request id, but
 * wrapping them gives the adapter one error type for HTTP, malformed and network failures.
 */

export type CsmsAuth =
  | { kind: 'aksk'; ak: string; sk: string; securityToken?: string }
  | { kind: 'token'; token: string }
  | {
      kind: 'password';
      iamEndpoint: string;
      domainName: string;
      userName: string;
      password: string;
      projectName?: string;
    };

export type CsmsLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface CsmsClientConfig {
  /** e.g. https://kms.cn-north-4.myhuaweicloud.com, or an emulator's http://127.0.0.1:port */
  endpoint: string;
  projectId: string;
  timeoutMs: number;
  auth: CsmsAuth;
  /** Receives core's log lines after redaction. Omit for silence. */
  log?: (level: CsmsLogLevel, message: string) => void;
}

// ---- raw CSMS shapes (only what we read; CSMS may send more) ---------------------------------

export interface CsmsSecretSummary {
  id: string;
  name: string;
  state: string;
  kms_key_id?: string;
  description?: string;
  /** Epoch milliseconds per the examples, seconds per the field docs: the adapter must tell. */
  create_time?: number;
  update_time?: number;
  scheduled_delete_time?: number | null;
}

export interface CsmsSecret extends CsmsSecretSummary {
  secret_type?: string;
  auto_rotation?: boolean;
  rotation_period?: string | null;
  rotation_config?: string | null;
  rotation_time?: number | null;
  next_rotation_time?: number | null;
  event_subscriptions?: string[];
  enterprise_project_id?: string;
  rotation_func_urn?: string | null;
}

export interface CsmsPageInfo {
  next_marker?: string | null;
  previous_marker?: string | null;
  current_count?: number;
}

export interface CsmsListSecretsResponse {
  secrets: CsmsSecretSummary[];
  page_info?: CsmsPageInfo;
}

export interface CsmsShowSecretResponse {
  secret: CsmsSecret;
}

export interface CsmsSecretVersion {
  version_metadata: {
    id: string;
    create_time?: number;
    kms_key_id?: string;
    secret_name?: string;
    version_stages?: string[];
  };
  secret_string?: string;
  secret_binary?: string;
}

export interface CsmsShowSecretVersionResponse {
  version: CsmsSecretVersion;
}

export interface CsmsListSecretsParams {
  /** 1..200 on the server; sent as a string. Omitted: server default (50). */
  limit?: number;
  /** Start secret name; omitted or empty for the first page. */
  marker?: string;
  eventName?: string;
}

export type CsmsCallOperation =
  | 'KeystoneCreateUserTokenByPassword'
  | 'ListSecrets'
  | 'ShowSecret'
  | 'ShowSecretVersion';

/**
 * - http: the service answered with an error status and a readable body (errorCode set when it had one)
 * - malformed-response: the body was not the JSON we expect (HTML error page, truncated JSON, wrong shape)
 * - timeout / network: no answer
 * - client: the request could not be built or sent
 */
export type CsmsCallErrorKind = 'http' | 'malformed-response' | 'timeout' | 'network' | 'client';

export class CsmsCallError extends Error {
  override readonly name = 'CsmsCallError';
  readonly kind: CsmsCallErrorKind;
  readonly operation: CsmsCallOperation;
  readonly httpStatus: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string;
  readonly requestId: string | null;
  /** The answer's `Retry-After` header, as sent. */
  readonly retryAfter: string | null;

  constructor(fields: {
    kind: CsmsCallErrorKind;
    operation: CsmsCallOperation;
    httpStatus: number | null;
    errorCode: string | null;
    errorMessage: string;
    requestId: string | null;
    retryAfter?: string | null;
  }) {
    const status = fields.httpStatus === null ? '' : ` HTTP ${fields.httpStatus}`;
    const code = fields.errorCode === null ? '' : ` ${fields.errorCode}`;
    super(`CSMS ${fields.operation} failed (${fields.kind}${status}${code}): ${fields.errorMessage}`);
    this.kind = fields.kind;
    this.operation = fields.operation;
    this.httpStatus = fields.httpStatus;
    this.errorCode = fields.errorCode;
    this.errorMessage = fields.errorMessage;
    this.requestId = fields.requestId;
    this.retryAfter = fields.retryAfter ?? null;
  }
}

/** A secret name or version id that must not go into a URL path (wire-protocols.md pitfall 13). */
export class InvalidCsmsNameError extends Error {
  override readonly name = 'InvalidCsmsNameError';
  constructor(
    readonly field: 'secret_name' | 'version_id' | 'project_id',
    value: string,
  ) {
    super(
      `Invalid ${field} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}: must match ^[a-zA-Z0-9_-]{1,64}$`,
    );
  }
}

export const CSMS_PATH_SEGMENT_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const IAM_OPERATION = 'KeystoneCreateUserTokenByPassword';
/** Renew a password token at 80% of its lifetime, but never later than 10 minutes before expiry. */
const RENEW_FRACTION = 0.2;
const RENEW_MAX_MARGIN_MS = 10 * 60 * 1000;

interface CachedToken {
  value: string;
  renewAt: number;
  expiresAt: number;
}

/** What our transformResponse saw, per call; core discards anything it cannot parse. */
interface ResponseCapture {
  seen: boolean;
  status?: number;
  requestId?: string;
  retryAfter?: string;
  body?: unknown;
  parseFailed?: boolean;
}

export class CsmsClient {
  private readonly endpoint: string;
  private readonly projectId: string;
  private readonly timeoutMs: number;
  private readonly auth: CsmsAuth;
  private readonly hc: HcClient;
  private readonly secrets: string[];
  private token: CachedToken | null = null;
  private tokenRequest: Promise<CachedToken> | null = null;
  /** The login token each failed call was sent with, for forgetToken to drop only that one. */
  private readonly failedWith = new WeakMap<object, CachedToken>();
  /** Tokens this client used lately: a request still in flight may carry one that was just replaced. */
  private readonly recentTokens: string[] = [];

  constructor(config: CsmsClientConfig) {
    this.endpoint = config.endpoint.replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(this.endpoint)) throw new Error('CSMS endpoint must be an http(s) URL');
    if (!CSMS_PATH_SEGMENT_PATTERN.test(config.projectId))
      throw new InvalidCsmsNameError('project_id', config.projectId);
    if (!(config.timeoutMs > 0)) throw new Error('CSMS timeoutMs must be positive');
    this.projectId = config.projectId;
    this.timeoutMs = config.timeoutMs;
    this.auth = config.auth;
    this.secrets = secretValuesOf(config.auth);

    const options = {
      logger: new RedactingLogger(config.log, (text) => this.redact(text)),
      axiosRequestConfig: { timeout: config.timeoutMs },
    };
    this.hc = new HcClient(new DefaultHttpClient(options, [this.endpoint]), options).withEndpoints([this.endpoint]);
    if (config.auth.kind === 'aksk') {
      const credentials = new BasicCredentials()
        .withAk(config.auth.ak)
        .withSk(config.auth.sk)
        .withProjectId(config.projectId);
      if (config.auth.securityToken) credentials.withSecurityToken(config.auth.securityToken);
      this.hc.withCredential(credentials);
    }
  }

  async listSecrets(params: CsmsListSecretsParams = {}): Promise<CsmsListSecretsResponse> {
    const query: Record<string, string> = {};
    // Undefined values would be signed as "undefined" but sent empty: only set what is given.
    if (params.limit !== undefined) query.limit = String(params.limit);
    if (params.marker) query.marker = params.marker;
    if (params.eventName) query.event_name = params.eventName;
    return this.call('ListSecrets', '/v1/{project_id}/secrets', {}, query, isListSecretsResponse);
  }

  /** Rejects with InvalidCsmsNameError, without any HTTP call, for a name CSMS cannot have. */
  async showSecret(name: string): Promise<CsmsShowSecretResponse> {
    const secretName = checkSegment('secret_name', name);
    return this.call(
      'ShowSecret',
      '/v1/{project_id}/secrets/{secret_name}',
      { secret_name: secretName },
      {},
      isShowSecretResponse,
    );
  }

  async showSecretVersion(name: string, version = 'latest'): Promise<CsmsShowSecretVersionResponse> {
    const secretName = checkSegment('secret_name', name);
    const versionId = checkSegment('version_id', version);
    return this.call(
      'ShowSecretVersion',
      '/v1/{project_id}/secrets/{secret_name}/versions/{version_id}',
      { secret_name: secretName, version_id: versionId },
      {},
      isShowSecretVersionResponse,
    );
  }

  // ---- calls ------------------------------------------------------------------------------------

  private async call<T>(
    operation: CsmsCallOperation,
    url: string,
    pathParams: Record<string, string>,
    queryParams: Record<string, string>,
    accept: (body: unknown) => body is T,
  ): Promise<T> {
    if (this.auth.kind !== 'password') {
      const token = this.auth.kind === 'token' ? this.auth.token : undefined;
      return this.send(operation, url, pathParams, queryParams, accept, token);
    }
    const token = await this.currentToken();
    try {
      return await this.send(operation, url, pathParams, queryParams, accept, token.value);
    } catch (error) {
      if (error instanceof CsmsCallError) this.failedWith.set(error, token);
      throw error;
    }
  }

  /**
   * After a 401 (token revoked: password change, permissions): drops the login token `failure` was
   * sent with, so that the next call logs in again. Only that token: when concurrent calls fail with
   * the same token, the first drops it and logs in (once: logins are single-flight), and the others,
   * reported during or after that login, keep the new token and retry with it. Without a failure
   * this client sent, the cached token is dropped. The upstream path decides the retry
   * (src/upstream/call.ts), so metrics and the source's status see it. False when there is no login
   * to renew (AK/SK, a fixed token), or no token was ever sent.
   */
  forgetToken(failure?: unknown): boolean {
    if (this.auth.kind !== 'password') return false;
    const failed = typeof failure === 'object' && failure !== null ? this.failedWith.get(failure) : undefined;
    if (failed) {
      if (this.token === failed) this.token = null;
      return true;
    }
    if (!this.token) return false;
    this.token = null;
    return true;
  }

  private async send<T>(
    operation: CsmsCallOperation,
    url: string,
    pathParams: Record<string, string>,
    queryParams: Record<string, string>,
    accept: (body: unknown) => body is T,
    token: string | undefined,
  ): Promise<T> {
    const capture: ResponseCapture = { seen: false };
    const options: HttpRequestOptions & { axiosRequestConfig: Record<string, unknown> } = {
      method: 'GET',
      url,
      contentType: 'application/json',
      queryParams,
      pathParams: { ...pathParams, project_id: this.projectId },
      headers: token ? { 'X-Auth-Token': token } : {},
      axiosRequestConfig: {
        timeout: this.timeoutMs,
        // Keep the raw text so that we, not core, decide what an unparsable body means.
        responseType: 'text',
        transformResponse: [captureResponse(capture)],
      },
    };
    try {
      await this.hc.sendRequest(options);
    } catch (error) {
      throw this.toCallError(operation, error, capture);
    } finally {
      // core keeps the last request (with its auth headers) in a static field; don't leave it there.
      DefaultHttpClient.httpReqParam = undefined;
      DefaultHttpClient.httpResponse = undefined;
    }
    if (capture.parseFailed || !capture.seen) {
      throw this.malformed(operation, capture, 'the response body is not valid JSON');
    }
    if (!accept(capture.body))
      throw this.malformed(operation, capture, 'the response body does not have the expected shape');
    return capture.body;
  }

  private toCallError(operation: CsmsCallOperation, error: unknown, capture: ResponseCapture): CsmsCallError {
    if (capture.parseFailed) return this.malformed(operation, capture, 'the error response body is not valid JSON');
    if (error instanceof ServiceResponseException) {
      const status = error.httpStatusCode === undefined ? null : Number(error.httpStatusCode);
      const message = this.redact(String(error.errorMsg ?? error.message ?? ''));
      if (status === null || Number.isNaN(status)) {
        return new CsmsCallError({
          kind: /timeout/i.test(message) ? 'timeout' : 'network',
          operation,
          httpStatus: null,
          errorCode: null,
          errorMessage: message,
          requestId: null,
        });
      }
      return new CsmsCallError({
        kind: 'http',
        operation,
        httpStatus: status,
        errorCode: error.errorCode === undefined || error.errorCode === null ? null : String(error.errorCode),
        errorMessage: message,
        requestId: error.requestId ?? capture.requestId ?? null,
        retryAfter: capture.retryAfter ?? null,
      });
    }
    const message = error instanceof Error ? error.message : String(error);
    return new CsmsCallError({
      kind: 'client',
      operation,
      httpStatus: null,
      errorCode: null,
      errorMessage: this.redact(message),
      requestId: null,
    });
  }

  private malformed(operation: CsmsCallOperation, capture: ResponseCapture, reason: string): CsmsCallError {
    return new CsmsCallError({
      kind: 'malformed-response',
      operation,
      httpStatus: capture.status ?? null,
      errorCode: null,
      errorMessage: reason,
      requestId: capture.requestId ?? null,
    });
  }

  // ---- password tokens --------------------------------------------------------------------------

  private async currentToken(): Promise<CachedToken> {
    const cached = this.token;
    if (cached && Date.now() < cached.renewAt) return cached;
    try {
      return await this.renewToken();
    } catch (error) {
      // A failed early renewal is not fatal while the old token is still valid.
      if (cached && Date.now() < cached.expiresAt && cached === this.token) return cached;
      throw error;
    }
  }

  /** Single flight: concurrent callers share one IAM request. */
  private renewToken(): Promise<CachedToken> {
    this.tokenRequest ??= this.requestToken()
      .then((token) => {
        this.token = token;
        this.recentTokens.unshift(token.value);
        this.recentTokens.length = Math.min(this.recentTokens.length, 4);
        return token;
      })
      .finally(() => {
        this.tokenRequest = null;
      });
    return this.tokenRequest;
  }

  /**
   * POST {iam}/v3/auth/tokens with plain fetch rather than HcClient: the token comes back in a
   * response header (HcClient returns bodies), and the password travels in the body, which
   * core's request interceptor stringifies into its debug log. fetch logs nothing.
   */
  private async requestToken(): Promise<CachedToken> {
    if (this.auth.kind !== 'password') throw new Error('unreachable: no password auth configured');
    const auth = this.auth;
    const scope = auth.projectName ? { name: auth.projectName } : { id: this.projectId };
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { domain: { name: auth.domainName }, name: auth.userName, password: auth.password } },
        },
        scope: { project: scope },
      },
    };
    const started = Date.now();
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${auth.iamEndpoint.replace(/\/+$/, '')}/v3/auth/tokens?nocatalog=true`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new CsmsCallError({
        kind: timedOut ? 'timeout' : 'network',
        operation: IAM_OPERATION,
        httpStatus: null,
        errorCode: null,
        errorMessage: timedOut
          ? `no answer from IAM within ${this.timeoutMs} ms`
          : this.redact(describeFetchError(error)),
        requestId: null,
      });
    }

    const requestId = response.headers.get('x-request-id');
    const parsed = tryParseJson(text);
    if (!response.ok) {
      if (parsed === undefined) {
        throw new CsmsCallError({
          kind: 'malformed-response',
          operation: IAM_OPERATION,
          httpStatus: response.status,
          errorCode: null,
          errorMessage: 'the IAM error body is not valid JSON',
          requestId,
        });
      }
      // IAM: {error:{code,message}}; APIG in front of it: {error_code,error_msg}.
      const iamError = field(parsed, 'error');
      const code = field(iamError, 'code') ?? field(parsed, 'error_code');
      const message = field(iamError, 'message') ?? field(parsed, 'error_msg') ?? `HTTP ${response.status}`;
      throw new CsmsCallError({
        kind: 'http',
        operation: IAM_OPERATION,
        httpStatus: response.status,
        errorCode: code === undefined || code === null ? null : String(code),
        errorMessage: this.redact(String(message)),
        requestId,
        retryAfter: response.headers.get('retry-after'),
      });
    }

    const value = response.headers.get('x-subject-token');
    const expiresAt = Date.parse(String(field(field(parsed, 'token'), 'expires_at') ?? ''));
    if (!value || Number.isNaN(expiresAt)) {
      throw new CsmsCallError({
        kind: 'malformed-response',
        operation: IAM_OPERATION,
        httpStatus: response.status,
        errorCode: null,
        errorMessage: 'IAM answered without X-Subject-Token or token.expires_at',
        requestId,
      });
    }
    // Measure the lifetime with IAM's own clock (issued_at -> expires_at) and apply it to ours.
    const issuedAt = Date.parse(String(field(field(parsed, 'token'), 'issued_at') ?? ''));
    const lifetime = Number.isNaN(issuedAt) ? expiresAt - started : expiresAt - issuedAt;
    const margin = Math.min(lifetime * RENEW_FRACTION, RENEW_MAX_MARGIN_MS);
    return { value, expiresAt: started + lifetime, renewAt: started + lifetime - margin };
  }

  // ---- redaction --------------------------------------------------------------------------------

  private redact(text: string): string {
    return redact(text, [...this.secrets, ...this.recentTokens]);
  }
}

// ---- helpers ------------------------------------------------------------------------------------

function checkSegment(fieldName: 'secret_name' | 'version_id', value: string): string {
  if (typeof value !== 'string' || !CSMS_PATH_SEGMENT_PATTERN.test(value))
    throw new InvalidCsmsNameError(fieldName, String(value));
  return value;
}

function secretValuesOf(auth: CsmsAuth): string[] {
  switch (auth.kind) {
    case 'aksk':
      return [auth.ak, auth.sk, auth.securityToken ?? ''];
    case 'token':
      return [auth.token];
    case 'password':
      return [auth.password];
  }
}

/** axios calls transformResponse as (data, headers, status) for successes and error statuses alike. */
function captureResponse(capture: ResponseCapture) {
  return (data: unknown, headers: unknown, status: unknown): unknown => {
    capture.seen = true;
    capture.status = typeof status === 'number' ? status : undefined;
    const getter = (headers as { get?: (name: string) => unknown } | undefined)?.get;
    const requestId = typeof getter === 'function' ? getter.call(headers, 'x-request-id') : undefined;
    capture.requestId = typeof requestId === 'string' ? requestId : undefined;
    const retryAfter = typeof getter === 'function' ? getter.call(headers, 'retry-after') : undefined;
    capture.retryAfter = typeof retryAfter === 'string' ? retryAfter : undefined;
    const parsed = typeof data === 'string' ? tryParseJson(data) : undefined;
    capture.parseFailed = parsed === undefined;
    capture.body = parsed;
    // core destructures error bodies; hand it an object or nothing.
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  };
}

function tryParseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isListSecretsResponse(body: unknown): body is CsmsListSecretsResponse {
  return (
    isRecord(body) &&
    Array.isArray(body.secrets) &&
    body.secrets.every((s) => isRecord(s) && typeof s.name === 'string')
  );
}

function isShowSecretResponse(body: unknown): body is CsmsShowSecretResponse {
  return isRecord(body) && isRecord(body.secret) && typeof body.secret.name === 'string';
}

function isShowSecretVersionResponse(body: unknown): body is CsmsShowSecretVersionResponse {
  return isRecord(body) && isRecord(body.version) && isRecord(body.version.version_metadata);
}

/**
 * core's Logger interface. Nothing reaches a sink unredacted; objects (core logs its whole
 * exception object, request config and headers included) are reduced to status and request id.
 */
class RedactingLogger implements Logger {
  private level: LogLevel = 'error' as LogLevel;

  constructor(
    private readonly sink: ((level: CsmsLogLevel, message: string) => void) | undefined,
    private readonly redact: (text: string) => string,
  ) {}

  debug(...msg: unknown[]): void {
    this.emit('debug', msg);
  }
  info(...msg: unknown[]): void {
    this.emit('info', msg);
  }
  warn(...msg: unknown[]): void {
    this.emit('warn', msg);
  }
  error(...msg: unknown[]): void {
    this.emit('error', msg);
  }
  setLevel(level: LogLevel): void {
    this.level = level;
  }
  getLevel(): LogLevel {
    return this.level;
  }
  setName(): void {}

  private emit(level: CsmsLogLevel, parts: unknown[]): void {
    if (!this.sink) return;
    const text = parts.map(summarize).join(' ');
    this.sink(level, this.redact(text));
  }
}

function summarize(part: unknown): string {
  if (typeof part === 'string') return part;
  if (isRecord(part)) {
    const status = part.status ?? part.statusCode ?? part.httpStatusCode;
    const requestId = part.requestId;
    const message = typeof part.message === 'string' ? part.message : undefined;
    return `{status: ${String(status)}, requestId: ${String(requestId)}${message ? `, message: ${message}` : ''}}`;
  }
  return String(part);
}
