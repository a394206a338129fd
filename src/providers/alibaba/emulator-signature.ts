import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest } from '../../emulators/core.js';

/**
 * Verifiers for the two Alibaba Cloud V2 (HMAC-SHA1) signatures that `@alicloud/pop-core` produces:
 * RPC-style (KMS) and ROA-style (SAE, APIG). See docs wire-protocols.md §1.1 and §1.2.
 *
 * The verifiers are pure apart from the optional nonce store the caller passes in: they neither log
 * nor keep state of their own, so every emulator instance owns its replay window.
 */

export type VerifyResult =
  | {
      ok: true;
      accessKeyId: string;
      /** Decoded request parameters: RPC query/form parameters without `Signature`, or the ROA query. */
      params: Record<string, string>;
    }
  | { ok: false; status: number; code: string; message: string };

export type VerifyFailure = Extract<VerifyResult, { ok: false }>;

export interface VerifyOptions {
  /** Server clock in ms since epoch; injectable so tests can simulate clock skew. */
  now?: number;
  /** Replay protection. Without a store, nonces are not checked. */
  nonces?: NonceStore;
}

/** RPC: `Timestamp` must lie within this distance of the server clock. */
export const RPC_TIMESTAMP_WINDOW_MS = 31 * 60_000;
/** ROA: the `date` header must lie within this distance of the server clock. */
export const ROA_DATE_WINDOW_MS = 15 * 60_000;
/**
 * Nonces remembered at most: a local emulator under a benchmark's load (thousands of calls a second
 * for the 31-minute window) would otherwise hold millions. A replay is caught within the last 100,000.
 */
const MAX_NONCES = 100_000;

/**
 * Remembers nonces per AccessKeyId for as long as a request carrying them could still pass the
 * timestamp check; entries are dropped lazily in insertion order, so memory stays bounded by the
 * request rate times the window, and by MAX_NONCES (the oldest go first).
 */
export class NonceStore {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxNonces = MAX_NONCES,
  ) {}

  /** Records the nonce; returns false if it was already used within the window. */
  use(accessKeyId: string, nonce: string, now: number): boolean {
    this.prune(now);
    // A copy: the nonce and the key id are slices of the request's URL or Authorization header, and
    // a key made of them would keep the whole request line alive for the window.
    const key = Buffer.from(`${accessKeyId}\u0000${nonce}`).toString();
    if (this.seen.has(key)) return false;
    this.seen.set(key, now);
    if (this.seen.size > this.maxNonces) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(now: number): void {
    // Map iteration follows insertion order, which is (nearly) time order: stop at the first live entry.
    for (const [key, at] of this.seen) {
      if (now - at <= this.windowMs) break;
      this.seen.delete(key);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

function fail(status: number, code: string, message: string): VerifyFailure {
  return { ok: false, status, code, message };
}

function missingParameter(name: string): VerifyFailure {
  return fail(
    400,
    'MissingParameter',
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

const INCOMPLETE_SIGNATURE = 'The request signature does not conform to Aliyun standards.';
const SIGNATURE_MISMATCH = 'Specified signature is not matched with our calculation.';
// The wording KMS documents for this code (alibaba-kms-ListSecrets.txt); SAE and APIG document none.
const UNKNOWN_ACCESS_KEY = 'The Access Key ID provided does not exist in our records.';
const EXPIRED_TIMESTAMP = 'Specified time stamp or date value is expired.';
const NONCE_USED = 'Specified signature nonce was used already.';

function hmacSha1Base64(key: string, data: string): string {
  return createHmac('sha1', key).update(data, 'utf8').digest('base64');
}

/** Constant-time comparison, so the emulator does not teach bad habits by leaking timing. */
function sameSignature(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkClock(at: number, now: number, windowMs: number): VerifyFailure | null {
  if (Number.isNaN(at)) return fail(400, 'IllegalTimestamp', EXPIRED_TIMESTAMP);
  if (Math.abs(now - at) > windowMs) return fail(400, 'IllegalTimestamp', EXPIRED_TIMESTAMP);
  return null;
}

function checkNonce(options: VerifyOptions, accessKeyId: string, nonce: string, now: number): VerifyFailure | null {
  if (options.nonces && !options.nonces.use(accessKeyId, nonce, now))
    return fail(400, 'SignatureNonceUsed', NONCE_USED);
  return null;
}

/**
 * Decodes `a=1&b=2` as both a query string and an x-www-form-urlencoded body (`+` is a space).
 * pop-core never sends a raw `+` (encodeURIComponent escapes it), so the two readings agree.
 * A repeated key keeps its last value; the signature check then fails, as it would upstream.
 */
function decodePairs(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw)) out[key] = value;
  return out;
}

// ---------------------------------------------------------------------------------------------
// RPC (pop-core RPCClient, used for KMS)
// ---------------------------------------------------------------------------------------------

/** pop-core's RPC percent-encoding: encodeURIComponent plus `!'()*`; `~` stays as is. */
export function rpcEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The RPC string to sign for already-decoded parameters (without `Signature`). */
export function rpcStringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .sort()
    .map((key) => `${rpcEncode(key)}=${rpcEncode(params[key])}`)
    .join('&');
  return `${method.toUpperCase()}&${rpcEncode('/')}&${rpcEncode(canonical)}`;
}

/** All RPC parameters of a request: the query, plus a form body for POST. */
export function rpcParamsOf(req: EmulatorRequest): Record<string, string> {
  const params = decodePairs(req.rawQuery);
  const contentType = String(req.headers['content-type'] ?? '');
  if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, decodePairs(req.body));
  }
  return params;
}

const RPC_REQUIRED = ['AccessKeyId', 'SignatureMethod', 'SignatureNonce', 'Timestamp', 'Version', 'Action'] as const;

export function verifyRpcRequest(
  req: EmulatorRequest,
  secrets: ReadonlyMap<string, string>,
  options: VerifyOptions = {},
): VerifyResult {
  const now = options.now ?? Date.now();
  const all = rpcParamsOf(req);
  const { Signature: signature, ...params } = all;

  if (!signature) return fail(400, 'IncompleteSignature', INCOMPLETE_SIGNATURE);
  for (const name of RPC_REQUIRED) if (!params[name]) return missingParameter(name);
  if (params.SignatureMethod !== 'HMAC-SHA1' || (params.SignatureVersion ?? '1.0') !== '1.0') {
    return fail(
      400,
      'IncompleteSignature',
      `${INCOMPLETE_SIGNATURE} Only HMAC-SHA1 signature version 1.0 is supported.`,
    );
  }

  const accessKeyId = params.AccessKeyId;
  const secret = secrets.get(accessKeyId);
  if (secret === undefined) return fail(404, 'InvalidAccessKeyId.NotFound', UNKNOWN_ACCESS_KEY);

  const expected = hmacSha1Base64(`${secret}&`, rpcStringToSign(req.method, params));
  if (!sameSignature(expected, signature)) return fail(400, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);

  // Checked after the signature so that a forged request cannot burn someone else's nonce.
  const clock = checkClock(Date.parse(params.Timestamp), now, RPC_TIMESTAMP_WINDOW_MS);
  if (clock) return clock;
  const replay = checkNonce(options, accessKeyId, params.SignatureNonce, now);
  if (replay) return replay;

  return { ok: true, accessKeyId, params };
}

// ---------------------------------------------------------------------------------------------
// ROA (pop-core ROAClient, used for SAE and APIG)
// ---------------------------------------------------------------------------------------------

type Headers = EmulatorRequest['headers'];

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The ROA string to sign. `path` is the path exactly as sent; `query` holds DECODED values, because
 * pop-core signs the raw values (`k=v` joined, not percent-encoded) while the URL carries them
 * escaped by `querystring.stringify`.
 */
export function roaStringToSign(method: string, path: string, headers: Headers, query: Record<string, string>): string {
  const lines = [
    method.toUpperCase(),
    header(headers, 'accept') ?? '',
    header(headers, 'content-md5') ?? '',
    header(headers, 'content-type') ?? '',
    header(headers, 'date') ?? '',
  ];
  const acsHeaders = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-acs-'))
    .sort()
    .map((name) => `${name}:${(header(headers, name) ?? '').replace(/[\t\n\r\f]/g, ' ').trim()}\n`)
    .join('');
  const keys = Object.keys(query).sort();
  const resource = keys.length === 0 ? path : `${path}?${keys.map((key) => `${key}=${query[key]}`).join('&')}`;
  return `${lines.join('\n')}\n${acsHeaders}${resource}`;
}

/** The ROA query as pop-core signed it: repeated keys (arrays) joined with ",", like `${array}`. */
export function roaQueryOf(rawQuery: string): Record<string, string> {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const values = grouped.get(key) ?? [];
    values.push(value);
    grouped.set(key, values);
  }
  const out: Record<string, string> = {};
  for (const [key, values] of grouped) out[key] = values.join(',');
  return out;
}

export function verifyRoaRequest(
  req: EmulatorRequest,
  secrets: ReadonlyMap<string, string>,
  options: VerifyOptions = {},
): VerifyResult {
  const now = options.now ?? Date.now();
  const authorization = header(req.headers, 'authorization');
  if (!authorization) return fail(400, 'MissingAuthorization', 'Authorization is mandatory for this action.');

  const match = /^acs ([^:\s]+):(\S+)$/.exec(authorization.trim());
  if (!match) return fail(400, 'IncompleteSignature', INCOMPLETE_SIGNATURE);
  const [, accessKeyId, signature] = match;

  const method = header(req.headers, 'x-acs-signature-method');
  if (method !== undefined && method !== 'HMAC-SHA1') {
    return fail(400, 'IncompleteSignature', `${INCOMPLETE_SIGNATURE} Only HMAC-SHA1 is supported.`);
  }
  const date = header(req.headers, 'date');
  if (!date) return missingParameter('Date');
  const nonce = header(req.headers, 'x-acs-signature-nonce');
  if (!nonce) return missingParameter('x-acs-signature-nonce');

  const secret = secrets.get(accessKeyId);
  if (secret === undefined) return fail(404, 'InvalidAccessKeyId.NotFound', UNKNOWN_ACCESS_KEY);

  const query = roaQueryOf(req.rawQuery);
  // ROA keys the HMAC with the bare secret (RPC appends "&"); the Host header is not signed.
  const expected = hmacSha1Base64(secret, roaStringToSign(req.method, req.path, req.headers, query));
  if (!sameSignature(expected, signature)) return fail(400, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);

  const clock = checkClock(Date.parse(date), now, ROA_DATE_WINDOW_MS);
  if (clock) return clock;
  const replay = checkNonce(options, accessKeyId, nonce, now);
  if (replay) return replay;

  return { ok: true, accessKeyId, params: query };
}
