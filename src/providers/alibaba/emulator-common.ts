import { randomBytes } from 'node:crypto';
import { EMULATOR_CREDENTIALS } from '../../emulators/credentials.js';
import { requestId, type EmulatorRequest, type EmulatorResponse, type ProviderEmulator } from '../../emulators/core.js';
import {
  NonceStore,
  ROA_DATE_WINDOW_MS,
  RPC_TIMESTAMP_WINDOW_MS,
  rpcParamsOf,
  verifyRoaRequest,
  verifyRpcRequest,
  type VerifyFailure,
} from './emulator-signature.js';

/**
 * Pieces shared by the three Alibaba Cloud emulators (SAE, APIG, KMS): JSON bodies that may carry
 * big integers, the POP gateway error body, the forced-error hook, parameter parsing, and the
 * emulator skeleton itself (createAlibabaEmulator: signature, version, forced error, dispatch).
 */

// ---------------------------------------------------------------------------------------------
// Options every Alibaba emulator accepts
// ---------------------------------------------------------------------------------------------

export interface AlibabaEmulatorOptions {
  /** Accepted AccessKeyId → AccessKeySecret. Defaults to EMULATOR_CREDENTIALS.alibaba. */
  credentials?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Server clock (ms since epoch) for the signature time window; tests use it to simulate skew. */
  now?: () => number;
  /**
   * Temporary (STS) keys: each accepted only with its own security token (RPC `SecurityToken`, ROA
   * `x-acs-security-token`, both signed), until it expires. See sts.ts (CredentialAuthority).
   */
  securityTokens?: { checkSecurityToken(accessKeyId: string, token: string | undefined): VerifyFailure | null };
}

export function credentialsMap(option: AlibabaEmulatorOptions['credentials']): ReadonlyMap<string, string> {
  if (option instanceof Map) return option;
  if (option) return new Map(Object.entries(option));
  const { accessKeyId, accessKeySecret } = EMULATOR_CREDENTIALS.alibaba;
  return new Map([[accessKeyId, accessKeySecret]]);
}

// ---------------------------------------------------------------------------------------------
// JSON with big integers
// ---------------------------------------------------------------------------------------------

/**
 * JSON.stringify, except that a bigint is written as a bare integer literal. The real SAE API
 * returns SecretId as a JSON number; pop-core parses it with json-bigint, which turns integers of
 * more than 15 digits into BigNumber. JSON.stringify cannot write such a literal, so each bigint
 * first becomes a string tagged with a random per-call token, and the quoted tags are then
 * replaced by the digits. This keeps native stringify speed for large bench-scale lists.
 */
export function toJson(value: unknown): string {
  const tag = { token: '' };
  const text: string | undefined = JSON.stringify(value, (_key, member: unknown) => {
    if (typeof member !== 'bigint') return member;
    tag.token ||= randomBytes(12).toString('hex');
    return `${tag.token}:${member}`;
  });
  if (text === undefined) return 'null';
  return tag.token ? text.replace(new RegExp(`"${tag.token}:(-?\\d+)"`, 'g'), '$1') : text;
}

/** A JSON answer serialised by toJson (core.ts would use JSON.stringify, which rejects bigint). */
export function jsonResponse(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json;charset=utf-8' }, body: toJson(body) };
}

export function newRequestId(): string {
  return requestId();
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Which body an error travels in:
 * - 'pop': written by the POP API gateway in front of every product (signature, throttling, …);
 * - 'product': written by the product itself (its own envelope, e.g. lowerCamel for APIG).
 * SAE and KMS use one shape for both; APIG's differ.
 */
export type ErrorOrigin = 'pop' | 'product';

export interface ErrorSpec {
  status: number;
  message: string;
  origin: ErrorOrigin;
}

/** The documented error codes of one API, with a representative message for each. */
export type ErrorCatalog = Readonly<Record<string, ErrorSpec>>;

export interface ApiError extends ErrorSpec {
  code: string;
}

/**
 * Codes the POP API gateway answers itself, before a request reaches any product: signature and
 * clock checks (alibaba-signature.ts), version and route checks. Each catalog includes these.
 */
export const POP_GATEWAY_ERRORS: ErrorCatalog = {
  'InvalidAccessKeyId.NotFound': {
    status: 404,
    origin: 'pop',
    message: 'The Access Key ID provided does not exist in our records.',
  },
  SignatureDoesNotMatch: {
    status: 400,
    origin: 'pop',
    message: 'Specified signature is not matched with our calculation.',
  },
  IncompleteSignature: {
    status: 400,
    origin: 'pop',
    message: 'The request signature does not conform to Aliyun standards.',
  },
  MissingAuthorization: { status: 400, origin: 'pop', message: 'Authorization is mandatory for this action.' },
  MissingParameter: {
    status: 400,
    origin: 'pop',
    message: 'The input parameter "Timestamp" that is mandatory for processing this request is not supplied.',
  },
  IllegalTimestamp: { status: 400, origin: 'pop', message: 'Specified time stamp or date value is expired.' },
  SignatureNonceUsed: { status: 400, origin: 'pop', message: 'Specified signature nonce was used already.' },
  InvalidVersion: { status: 400, origin: 'pop', message: 'Specified parameter Version is not valid.' },
  'InvalidAction.NotFound': {
    status: 404,
    origin: 'pop',
    message: 'Specified api is not found, please check your url and method.',
  },
  MissingSecurityToken: { status: 400, origin: 'pop', message: 'SecurityToken is mandatory for this action.' },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    origin: 'pop',
    message: 'Specified SecurityToken mismatch with the AccessKey.',
  },
  'InvalidSecurityToken.Expired': { status: 400, origin: 'pop', message: 'Specified SecurityToken is expired.' },
};

/** The POP gateway's ROA error body ({RequestId, HostId, Code, Message, Recommend}). */
export function popErrorBody(error: ApiError, hostId: string, product: string): Record<string, unknown> {
  return {
    RequestId: newRequestId(),
    HostId: hostId,
    Code: error.code,
    Message: error.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(error.code)}&product=${product}`,
  };
}

export function apiError(catalog: ErrorCatalog, code: string, message?: string): ApiError {
  const spec = catalog[code];
  if (!spec) throw new Error(`error code ${code} is not in this emulator's catalog`);
  return { code, ...spec, message: message ?? spec.message };
}

/** `(code, message?) => response`: an error of this catalog, written by the emulator's errorResponse. */
export function failWith(catalog: ErrorCatalog, errorResponse: (error: ApiError) => EmulatorResponse) {
  return (code: string, message?: string): EmulatorResponse => errorResponse(apiError(catalog, code, message));
}

// ---------------------------------------------------------------------------------------------
// Forced errors: make the next call(s) fail with any documented code
// ---------------------------------------------------------------------------------------------

export interface FailNextOptions {
  /** Only calls of this operation (e.g. 'ListSecrets') consume the entry; default: any operation. */
  operation?: string;
  /** How many consecutive matching calls fail; default 1. */
  times?: number;
  /** Overrides the catalog's message. */
  message?: string;
  /** Needed (with origin) only for a code that is not in the catalog. */
  status?: number;
  origin?: ErrorOrigin;
}

/** What the Alibaba emulators add to ProviderEmulator. */
export interface AlibabaEmulator extends ProviderEmulator {
  readonly regionId: string;
  /** The documented error codes this API returns, with status and message. */
  readonly errorCatalog: ErrorCatalog;
  /**
   * Answers the next matching authenticated call with this error instead of its result.
   * Signature checks run first: a badly signed call fails on its own and leaves the entry queued.
   * Throws for a code outside the catalog unless options.status is given.
   */
  failNext(code: string, options?: FailNextOptions): void;
  clearForcedErrors(): void;
  /**
   * Call after changing the seed's secrets (created, edited or deleted "at the cloud"), so that the
   * next calls answer with the change: what an inventory and its change feed are tested against.
   */
  dataChanged(): void;
}

interface Forced {
  error: ApiError;
  operation: string | null;
  remaining: number;
}

export class ForcedErrors {
  private queue: Forced[] = [];

  constructor(private readonly catalog: ErrorCatalog) {}

  add(code: string, options: FailNextOptions = {}): void {
    const known = this.catalog[code];
    if (!known && options.status === undefined) {
      throw new Error(`unknown error code ${code}: pass options.status (and origin) to force an undocumented code`);
    }
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new Error('times must be a positive integer');
    const error: ApiError = {
      code,
      status: options.status ?? known.status,
      message: options.message ?? known?.message ?? code,
      origin: options.origin ?? known?.origin ?? 'product',
    };
    this.queue.push({ error, operation: options.operation ?? null, remaining: times });
  }

  clear(): void {
    this.queue = [];
  }

  /** The first queued error that applies to this operation, consuming one use of it. */
  take(operation: string): ApiError | null {
    const index = this.queue.findIndex((entry) => entry.operation === null || entry.operation === operation);
    if (index < 0) return null;
    const entry = this.queue[index];
    if (--entry.remaining === 0) this.queue.splice(index, 1);
    return entry.error;
  }
}

// ---------------------------------------------------------------------------------------------
// The emulator skeleton
// ---------------------------------------------------------------------------------------------

/** One operation: the verified (decoded) request parameters and the raw request, for path segments. */
export type AlibabaOperationHandler = (params: Record<string, string>, req: EmulatorRequest) => EmulatorResponse;

interface AlibabaEmulatorSpecBase<Op extends string> {
  /** ProviderEmulator.name, e.g. 'alibaba-sae'. */
  name: string;
  regionId: string;
  /** Accepted API version: the `x-acs-version` header (ROA) or the `Version` parameter (RPC). */
  apiVersion: string;
  catalog: ErrorCatalog;
  /** Writes an error (POP or product) in this API's body shape. */
  errorResponse: (error: ApiError) => EmulatorResponse;
  operations: Readonly<Record<Op, AlibabaOperationHandler>>;
  /** Catalog codes of throttled() and serverError(). */
  throttleCode: string;
  serverErrorCode: string;
  options: AlibabaEmulatorOptions;
  /** Rebuilds what the emulator derived from its seed (orders, indexes). */
  dataChanged: () => void;
}

export type AlibabaEmulatorSpec<Op extends string> = AlibabaEmulatorSpecBase<Op> &
  (
    | {
        /** RPC (V2 signature over the query/form): the `Action` parameter names the operation. */
        style: 'rpc';
        /** Default: `GET|POST /` with an `Action` that is one of `operations`. */
        operationOf?: (req: EmulatorRequest) => Op | null;
      }
    | {
        /** ROA (V2 signature over method, headers and path): the route names the operation. */
        style: 'roa';
        operationOf: (req: EmulatorRequest) => Op | null;
      }
  );

/**
 * The part every Alibaba emulator shares: option handling (credentials, clock, replay window,
 * forced errors) and a handle() that verifies the signature, checks the API version, answers a
 * queued forced error, then dispatches to the operation. A badly signed call fails before it can
 * consume a forced error.
 */
export function createAlibabaEmulator<Op extends string>(spec: AlibabaEmulatorSpec<Op>): AlibabaEmulator {
  const { catalog, errorResponse, operations, options } = spec;
  const secrets = credentialsMap(options.credentials);
  const now = options.now ?? Date.now;
  const rpc = spec.style === 'rpc';
  const nonces = new NonceStore(rpc ? RPC_TIMESTAMP_WINDOW_MS : ROA_DATE_WINDOW_MS);
  const verify = rpc ? verifyRpcRequest : verifyRoaRequest;
  const forced = new ForcedErrors(catalog);
  const fail = failWith(catalog, errorResponse);
  const isOperation = (name: string | undefined): name is Op => name !== undefined && Object.hasOwn(operations, name);

  const operationOf =
    spec.operationOf ??
    ((req: EmulatorRequest): Op | null => {
      if (req.path !== '/' || (req.method !== 'GET' && req.method !== 'POST')) return null;
      const action = rpcParamsOf(req).Action;
      return isOperation(action) ? action : null;
    });

  return {
    name: spec.name,
    regionId: spec.regionId,
    errorCatalog: catalog,
    operationOf,

    handle(req: EmulatorRequest, operation: string): EmulatorResponse {
      const verified = verify(req, secrets, { now: now(), nonces });
      if (!verified.ok)
        return errorResponse({
          code: verified.code,
          status: verified.status,
          message: verified.message,
          origin: 'pop',
        });
      const header = req.headers['x-acs-security-token'];
      const tokenProblem = options.securityTokens?.checkSecurityToken(
        verified.accessKeyId,
        rpc ? verified.params.SecurityToken : Array.isArray(header) ? header[0] : header,
      );
      if (tokenProblem)
        return errorResponse({
          code: tokenProblem.code,
          status: tokenProblem.status,
          message: tokenProblem.message,
          origin: 'pop',
        });
      const version = rpc ? verified.params.Version : req.headers['x-acs-version'];
      if (version !== spec.apiVersion) return fail('InvalidVersion');

      const forcedError = forced.take(operation);
      if (forcedError) return errorResponse(forcedError);

      return isOperation(operation) ? operations[operation](verified.params, req) : fail('InvalidAction.NotFound');
    },

    throttled: () => fail(spec.throttleCode),
    serverError: () => fail(spec.serverErrorCode),
    notFound: () => fail('InvalidAction.NotFound'),

    failNext: (code, failOptions) => forced.add(code, failOptions),
    clearForcedErrors: () => forced.clear(),
    dataChanged: spec.dataChanged,
  };
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/**
 * An optional integer parameter: absent or empty gives the default; anything but a plain decimal
 * integer within [min, max] is rejected (null), so "1.5", "1e2", " 3" and "-0" all fail.
 */
export function intParam(raw: string | undefined | null, fallback: number, min: number, max: number): number | null {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (!/^-?\d{1,9}$/.test(raw)) return null;
  const value = Number(raw);
  return value >= min && value <= max ? value : null;
}

/** An optional boolean parameter ("true"/"false", any case); null when it is something else. */
export function boolParam(raw: string | undefined | null, fallback: boolean): boolean | null {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return null;
}

/** `2024-07-17T07:59:05Z`: ISO 8601 in UTC without milliseconds, as KMS writes times. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
