import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorRequest } from '../../emulators/core.js';

/**
 * Server-side check of Huawei Cloud's "SDK-HMAC-SHA256" AK/SK signature, recomputed the way
 * @huaweicloud/huaweicloud-sdk-core's AKSKSigner builds it (wire-protocols.md §3.4):
 *
 *   canonical = METHOD \n canonURI \n canonQuery \n canonHeaders \n signedHeaders \n payloadHash
 *   sts       = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(canonical))
 *   signature = hex(HMAC-SHA256(SK, sts))
 *
 * canonHeaders ends in "\n" itself, so there is a blank line before signedHeaders.
 * Pure: no I/O, the clock is a parameter.
 */

export const HUAWEI_SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** APIG rejects a request whose X-Sdk-Date is further than this from its own clock. */
export const HUAWEI_MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export type HuaweiAuthResult =
  | { ok: true; ak: string }
  | { ok: false; status: 401; code: 'APIGW.0301'; message: string };

export interface HuaweiVerifyOptions {
  /** Server time in ms since epoch; defaults to Date.now(). */
  now?: number;
  maxClockSkewMs?: number;
}

/** @param credentials accepted access keys: AK -> SK. */
export function verifyHuaweiAkSk(
  req: EmulatorRequest,
  credentials: ReadonlyMap<string, string>,
  options: HuaweiVerifyOptions = {},
): HuaweiAuthResult {
  const authorization = headerValue(req, 'authorization');
  if (authorization === undefined) return reject('Authorization header not found');
  const parsed = parseAuthorization(authorization);
  if (!parsed)
    return reject('malformed Authorization header, expected "SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…"');

  const sk = credentials.get(parsed.access);
  if (sk === undefined) return reject('access key not found');

  const sdkDate = headerValue(req, 'x-sdk-date');
  if (sdkDate === undefined) return reject('X-Sdk-Date header not found');
  const signedAt = parseSdkDate(sdkDate);
  if (signedAt === null) return reject('X-Sdk-Date must be YYYYMMDDTHHmmssZ');
  const now = options.now ?? Date.now();
  if (Math.abs(now - signedAt) > (options.maxClockSkewMs ?? HUAWEI_MAX_CLOCK_SKEW_MS)) {
    return reject('request expired, X-Sdk-Date is more than 15 minutes away from server time');
  }

  const signedHeaderNames = parsed.signedHeaders.split(';');
  for (const required of ['host', 'x-sdk-date']) {
    if (!signedHeaderNames.includes(required)) return reject(`${required} must be a signed header`);
  }
  // The signer sorts canonical headers with localeCompare but builds the SignedHeaders list
  // with lodash sortBy; they agree for ordinary names. Rebuild each exactly as the signer does.
  const canonicalHeaderNames = [...signedHeaderNames].sort((a, b) => a.localeCompare(b));
  let canonicalHeaders = '';
  for (const name of canonicalHeaderNames) {
    const value = headerValue(req, name);
    if (value === undefined) return reject(`signed header ${name} is missing`);
    canonicalHeaders += `${name}:${value}\n`;
  }

  const canonicalUri = canonicalizePath(req.path);
  const canonicalQuery = canonicalizeQuery(req.rawQuery);
  if (canonicalUri === null || canonicalQuery === null) return reject('malformed percent-encoding in the request URL');

  const payloadHash = headerValue(req, 'x-sdk-content-sha256') ?? (req.body ? sha256Hex(req.body) : EMPTY_BODY_SHA256);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    parsed.signedHeaders,
    payloadHash,
  ].join('\n');
  const stringToSign = [HUAWEI_SIGNING_ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
  const expected = createHmac('sha256', sk).update(stringToSign).digest('hex');

  if (!constantTimeEqual(expected, parsed.signature.toLowerCase())) return reject('verify aksk signature fail');
  return { ok: true, ak: parsed.access };
}

/**
 * The signer's percent-encoder: everything except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case
 * hex, UTF-8). Unlike encodeURIComponent it also escapes ! ' ( ) *.
 */
export function huaweiUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function reject(reason: string): HuaweiAuthResult {
  return { ok: false, status: 401, code: 'APIGW.0301', message: `Incorrect IAM authentication information: ${reason}` };
}

function headerValue(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name];
  // Node joins repeated headers into one string except set-cookie; signers never repeat them.
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseAuthorization(header: string): { access: string; signedHeaders: string; signature: string } | null {
  const match = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(
    header,
  );
  return match ? { access: match[1], signedHeaders: match[2], signature: match[3] } : null;
}

function parseSdkDate(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Each segment of the path as it would be before encoding, re-encoded with the strict encoder,
 * with a trailing slash added. The SDK signs the raw (unencoded) path, so the wire form is
 * decoded first. Caveat: core runs the URL through url.parse, which pre-escapes a few
 * characters (space, quotes, braces...); paths carrying those cannot be reproduced, and a
 * correct client never sends them (CSMS names are [a-zA-Z0-9_-]).
 */
function canonicalizePath(path: string): string | null {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    const decoded = safeDecode(segment);
    if (decoded === null) return null;
    segments.push(huaweiUrlEncode(decoded));
  }
  const uri = segments.join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/**
 * The SDK signs its query object (keys sorted by JS default sort, array values sorted and
 * repeated) but sends it with querystring.stringify, which leaves ! ' ( ) * unescaped.
 * So decode what came over the wire and re-encode it strictly.
 */
function canonicalizeQuery(rawQuery: string): string | null {
  if (!rawQuery) return '';
  const params = new Map<string, string[]>();
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = safeDecode(eq === -1 ? '' : pair.slice(eq + 1));
    if (key === null || value === null) return null;
    const values = params.get(key);
    if (values) values.push(value);
    else params.set(key, [value]);
  }
  const parts: string[] = [];
  for (const key of [...params.keys()].sort()) {
    const values = params.get(key)!;
    if (values.length > 1) values.sort();
    for (const value of values) parts.push(`${huaweiUrlEncode(key)}=${huaweiUrlEncode(value)}`);
  }
  return parts.join('&');
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
