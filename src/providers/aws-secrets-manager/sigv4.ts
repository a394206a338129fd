import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EmulatorRequest } from '../../emulators/core.js';

/**
 * AWS Signature Version 4 checked as AWS checks it, in AWS's order and words: the Authorization
 * header's form, the credential scope, the signing date's 5-minute window, the access key and its
 * session token, then the signature, recomputed by @smithy/signature-v4 (the SDK's own signer) over
 * exactly the headers the caller signed and the SHA-256 of the body as received.
 */

export const AWS_SIGNATURE_WINDOW_MS = 5 * 60_000;

export type SigV4FailureCode =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'ExpiredTokenException';

/** `message` is left out where AWS's standard message for the code applies. */
export interface SigV4Failure {
  code: SigV4FailureCode;
  message?: string;
}

export interface SigV4Key {
  secretAccessKey: string;
  /** Set for temporary credentials: they need this token, signed, before expiresAt (ms). */
  temporary?: { sessionToken: string; expiresAt: number };
}

export interface SigV4Scope {
  region: string;
  service: string;
  /** The server's clock, ms. */
  now: number;
  keyOf(accessKeyId: string): SigV4Key | undefined;
}

export async function verifySigV4(req: EmulatorRequest, scope: SigV4Scope): Promise<SigV4Failure | null> {
  const authorization = header(req, 'authorization');
  if (authorization === undefined) return { code: 'MissingAuthenticationTokenException' };
  const parsed = parseAuthorization(authorization);
  if ('code' in parsed) return parsed;
  const { accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaders, signature } = parsed;

  const amzDate = header(req, 'x-amz-date');
  if (amzDate === undefined) {
    return {
      code: 'IncompleteSignatureException',
      message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    };
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === null)
    return {
      code: 'IncompleteSignatureException',
      message: `Date must be in ISO-8601 'basic format'. Got '${amzDate}'.`,
    };
  if (scopeDate !== amzDate.slice(0, 8)) {
    return {
      code: 'InvalidSignatureException',
      message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    };
  }
  if (scopeService !== scope.service)
    return {
      code: 'InvalidSignatureException',
      message: `Credential should be scoped to correct service: '${scope.service}'. `,
    };
  if (scopeRegion !== scope.region)
    return { code: 'InvalidSignatureException', message: `Credential should be scoped to a valid region. ` };
  if (!signedHeaders.includes('host')) {
    return {
      code: 'InvalidSignatureException',
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    };
  }

  const serverNow = scope.now;
  if (signedAt < serverNow - AWS_SIGNATURE_WINDOW_MS) {
    return {
      code: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is now earlier than ${amzDateOf(serverNow - AWS_SIGNATURE_WINDOW_MS)} (${amzDateOf(serverNow)} - 5 min.)`,
    };
  }
  if (signedAt > serverNow + AWS_SIGNATURE_WINDOW_MS) {
    return {
      code: 'InvalidSignatureException',
      message: `Signature not yet current: ${amzDate} is still later than ${amzDateOf(serverNow + AWS_SIGNATURE_WINDOW_MS)} (${amzDateOf(serverNow)} + 5 min.)`,
    };
  }

  // A long-term key takes no session token; a temporary key needs its own, signed, unexpired.
  const sessionToken = header(req, 'x-amz-security-token');
  const key = scope.keyOf(accessKeyId);
  if (key === undefined) return { code: 'UnrecognizedClientException' };
  const { secretAccessKey, temporary } = key;
  if (temporary) {
    if (
      sessionToken === undefined ||
      !signedHeaders.includes('x-amz-security-token') ||
      !sameText(sessionToken, temporary.sessionToken)
    ) {
      return { code: 'UnrecognizedClientException' };
    }
    if (temporary.expiresAt <= serverNow) return { code: 'ExpiredTokenException' };
  } else if (sessionToken !== undefined) {
    return { code: 'UnrecognizedClientException' };
  }

  // The body as received is what counts; a signed x-amz-content-sha256 must agree with it.
  const bodyHash = createHash('sha256').update(req.body, 'utf8').digest('hex');
  const claimedHash = header(req, 'x-amz-content-sha256');
  if (claimedHash !== undefined && claimedHash !== bodyHash) return { code: 'InvalidSignatureException' };

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = req.headers[name];
    if (value === undefined) return { code: 'InvalidSignatureException' };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey, sessionToken: temporary ? sessionToken : undefined },
    region: scopeRegion,
    service: scopeService,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: req.path,
      query: queryOf(req),
      headers,
      body: req.body,
    },
    { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders) },
  );
  const expectedSignature = /Signature=([0-9a-f]+)/.exec(String(expected.headers.authorization))?.[1] ?? '';
  const expectedSignedHeaders = /SignedHeaders=([^,]+)/.exec(String(expected.headers.authorization))?.[1] ?? '';
  if (expectedSignedHeaders !== signedHeaders.join(';') || !sameText(expectedSignature, signature))
    return { code: 'InvalidSignatureException' };
  return null;
}

function header(req: EmulatorRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function queryOf(req: EmulatorRequest): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of req.query) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

type ParsedAuthorization = {
  accessKeyId: string;
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  signedHeaders: string[];
  signature: string;
};

/** `AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`. */
function parseAuthorization(value: string): ParsedAuthorization | SigV4Failure {
  const [algorithm, ...rest] = value.trim().split(/\s+/);
  if (algorithm !== 'AWS4-HMAC-SHA256')
    return { code: 'IncompleteSignatureException', message: `Unsupported AWS 'algorithm': '${algorithm}'.` };
  const parts = new Map<string, string>();
  for (const part of rest.join('').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !parts.get(name));
  if (missing.length) {
    return {
      code: 'IncompleteSignatureException',
      message: missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '),
    };
  }
  const credential = parts.get('Credential')!.split('/');
  if (credential.length !== 5) {
    return {
      code: 'IncompleteSignatureException',
      message: 'Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.',
    };
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = credential;
  if (terminator !== 'aws4_request') {
    return {
      code: 'IncompleteSignatureException',
      message: `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
    };
  }
  const signedHeaders = parts.get('SignedHeaders')!.split(';');
  return { accessKeyId, scopeDate, scopeRegion, scopeService, signedHeaders, signature: parts.get('Signature')! };
}

/** `YYYYMMDDTHHMMSSZ` → ms, or null. */
function parseAmzDate(value: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : null;
}

function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** node:crypto behind the Hash interface the Smithy signer expects (no extra package needed). */
export class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
