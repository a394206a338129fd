import { createPublicKey, createSecretKey, randomBytes, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRemoteJwksSigningKeyProvider } from '@graphql-yoga/plugin-jwt';
import jsonwebtoken, { type JwtPayload, type VerifyOptions } from 'jsonwebtoken';
import { ConfigError } from '../config.js';
import { registerSecret } from '../upstream/redact.js';
import { SCOPES, type JwtConfig, type Scope } from './config.js';
import { createGrant, type Grant } from './grant.js';

type SigningKeyProvider = (kid?: string) => Promise<string> | string;

/**
 * A key that verifies nothing: handed to the verifier when no key matches the token's `kid`, so
 * that an unknown key is an invalid token (401), not a failure of the server.
 */
const NO_KEY = randomBytes(48).toString('base64url');

const JWKS_RELOAD_MS = 30_000;

/** RS/PS/ES public keys of a JWKS file by `kid`; re-read (at most every 30 s) when a `kid` is unknown, for rotation. */
function jwksFileProvider(path: string): SigningKeyProvider {
  const read = (): Map<string | undefined, string> => {
    let jwks: { keys?: unknown };
    try {
      jwks = JSON.parse(readFileSync(path, 'utf8')) as { keys?: unknown };
    } catch (error) {
      throw new ConfigError([
        `auth.jwt.jwksFile: cannot read ${path} as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]})`,
      ]);
    }
    if (!Array.isArray(jwks.keys) || jwks.keys.length === 0)
      throw new ConfigError([`auth.jwt.jwksFile: ${path} has no "keys"`]);
    const keys = new Map<string | undefined, string>();
    jwks.keys.forEach((jwk: JsonWebKey & { kid?: string; use?: string }, i) => {
      if (jwk.use !== undefined && jwk.use !== 'sig') return;
      if ('d' in jwk || jwk.kty === 'oct')
        throw new ConfigError([
          `auth.jwt.jwksFile: key ${i} is private or symmetric; a JWKS file holds public keys only`,
        ]);
      try {
        keys.set(
          jwk.kid,
          createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString(),
        );
      } catch (error) {
        throw new ConfigError([`auth.jwt.jwksFile: key ${i} is not a usable public key (${(error as Error).message})`]);
      }
    });
    return keys;
  };
  let keys = read();
  let loadedAt = Date.now();
  let mtime = statSync(path).mtimeMs;
  return (kid) => {
    try {
      if (!keys.has(kid) && Date.now() - loadedAt > JWKS_RELOAD_MS) {
        loadedAt = Date.now();
        const current = statSync(path).mtimeMs;
        if (current !== mtime) {
          keys = read();
          mtime = current;
        }
      }
    } catch {
      // A broken file after start keeps the keys that were read.
    }
    // A token without `kid` is accepted only when the set has exactly one key.
    const key = kid === undefined && keys.size === 1 ? [...keys.values()][0] : keys.get(kid);
    return key ?? NO_KEY;
  };
}

function jwksUrlProvider(url: string): SigningKeyProvider {
  const remote = createRemoteJwksSigningKeyProvider({
    jwksUri: url,
    cache: true,
    cacheMaxAge: 10 * 60_000,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5000,
  });
  return async (kid) => {
    try {
      return (await remote(kid)) ?? NO_KEY;
    } catch {
      return NO_KEY;
    }
  };
}

/**
 * jsonwebtoken turns a string key into a KeyObject on every verify (and for an HS256 secret first
 * tries, and fails, to read it as a public key): that was most of a request's cost. The plugin's
 * type says string, but jsonwebtoken takes a KeyObject as is, so each distinct key is converted once.
 */
function asKeyObjects(provider: SigningKeyProvider, convert: (key: string) => KeyObject): SigningKeyProvider {
  const converted = new Map<string, KeyObject>();
  const toKey = (key: string) => {
    if (key === NO_KEY) return key;
    let object = converted.get(key);
    if (!object) {
      object = convert(key);
      if (converted.size > 100) converted.clear();
      converted.set(key, object);
    }
    return object as unknown as string;
  };
  return (kid) => {
    const key = provider(kid);
    return typeof key === 'string' ? toKey(key) : key.then(toKey);
  };
}

export function signingKeyProvider(config: JwtConfig): SigningKeyProvider {
  if (config.hs256Secret !== undefined) {
    registerSecret(config.hs256Secret);
    const secret = config.hs256Secret;
    return asKeyObjects(
      () => secret,
      (key) => createSecretKey(Buffer.from(key)),
    );
  }
  const provider = config.jwksFile !== undefined ? jwksFileProvider(config.jwksFile) : jwksUrlProvider(config.jwksUrl!);
  return asKeyObjects(provider, (pem) => createPublicKey(pem));
}

export function verifyOptions(config: JwtConfig): VerifyOptions {
  const one = <T>(v: T | T[]): T | [T, ...T[]] => (Array.isArray(v) ? (v as [T, ...T[]]) : v);
  return {
    algorithms: config.hs256Secret !== undefined ? ['HS256'] : (config.algorithms ?? ['RS256']),
    issuer: one(config.issuer),
    audience: one(config.audience),
    clockTolerance: config.clockToleranceSeconds,
    maxAge: config.maxTokenAgeSeconds,
  };
}

function stringList(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return null;
}

/**
 * The grant a verified token carries, or why it carries none. A restriction claim that is present
 * but malformed rejects the token: it must never widen what the caller sees.
 */
/**
 * Until when (epoch ms) a verified token is accepted: its `exp`, or its `iat` plus the maximum token
 * age when sooner, plus the clock tolerance. A subscription ends then.
 */
export function acceptedUntil(
  payload: JwtPayload,
  config: Pick<JwtConfig, 'clockToleranceSeconds' | 'maxTokenAgeSeconds'>,
): number | null {
  const limits = [
    typeof payload.exp === 'number' ? payload.exp : null,
    typeof payload.iat === 'number' && config.maxTokenAgeSeconds !== undefined
      ? payload.iat + config.maxTokenAgeSeconds
      : null,
  ].filter((limit): limit is number => limit !== null);
  return limits.length ? (Math.min(...limits) + (config.clockToleranceSeconds ?? 0)) * 1000 : null;
}

export function grantFromClaims(payload: JwtPayload, claims: JwtConfig['claims']): Grant | string {
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 256)
    return 'the token has no subject (sub)';
  if (typeof payload.exp !== 'number') return 'the token has no expiry (exp)';
  const rawScope = payload[claims.scope];
  // No scope claim: an authenticated caller with no scope (every field is then FORBIDDEN).
  const scopeList =
    rawScope === undefined
      ? []
      : typeof rawScope === 'string'
        ? rawScope.split(/\s+/).filter(Boolean)
        : stringList(rawScope);
  if (!scopeList) return `the "${claims.scope}" claim is not a list of scopes`;
  const scopes = scopeList.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  const rawSources = payload[claims.sources];
  const sources = rawSources === undefined ? null : stringList(rawSources);
  if (rawSources !== undefined && !sources) return `the "${claims.sources}" claim is not a list of source ids`;
  const rawNamespaces = payload[claims.namespaces];
  const namespaces = rawNamespaces === undefined ? null : stringList(rawNamespaces);
  if (rawNamespaces !== undefined && (!namespaces || namespaces.some((n) => !/^[^/\s]+\/[^\s]+$/.test(n)))) {
    return `the "${claims.namespaces}" claim is not a list of "sourceId/namespaceId"`;
  }
  return createGrant({ subject: payload.sub, method: 'jwt', scopes, sources, namespaces });
}

export interface MintOptions {
  secret: string;
  issuer: string;
  audience: string;
  subject: string;
  scopes: readonly Scope[];
  sources?: readonly string[];
  namespaces?: readonly string[];
  expiresInSeconds?: number;
}

/** An HS256 token, as the embedded demo (and the tests) hand out. */
export function mintToken(options: MintOptions): string {
  const claims: Record<string, unknown> = { scope: options.scopes.join(' ') };
  if (options.sources) claims.sources = options.sources;
  if (options.namespaces) claims.namespaces = options.namespaces;
  return jsonwebtoken.sign(claims, options.secret, {
    algorithm: 'HS256',
    issuer: options.issuer,
    audience: options.audience,
    subject: options.subject,
    expiresIn: options.expiresInSeconds ?? 12 * 3600,
  });
}
