import { useJWT } from '@graphql-yoga/plugin-jwt';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { JwtPayload } from 'jsonwebtoken';
import { ApiKeys } from '../auth/api-keys.js';
import type { AuthConfig } from '../auth/config.js';
import type { Caller, Grant } from '../auth/grant.js';
import { acceptedUntil, grantFromClaims, signingKeyProvider, verifyOptions } from '../auth/jwt.js';
import type { Logger } from '../logger.js';
import { requestIdOf } from './request-id.js';

const callers = new WeakMap<Request, Caller>();

export function callerOf(request: Request): Caller {
  const caller = callers.get(request);
  if (!caller) throw unauthenticated('MISSING_CREDENTIALS', 'credentials are required', false);
  return caller;
}

const JWT_FIELD = 'verifiedJwt';

function unauthenticated(reason: string, message: string, presented: boolean): GraphQLError {
  const challenge = `Bearer realm="secrets-gateway"${presented ? ', error="invalid_token"' : ''}`;
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', reason, http: { status: 401, headers: { 'www-authenticate': challenge } } },
  });
}

/** The node request behind a served request (absent under `yoga.fetch`). */
function nodeRequestOf(
  serverContext: unknown,
): { socket?: { remoteAddress?: string }; rawHeaders?: string[] } | undefined {
  return (serverContext as { req?: { socket?: { remoteAddress?: string }; rawHeaders?: string[] } } | undefined)?.req;
}

function peerOf(serverContext: unknown): { ip: string | null } {
  return { ip: nodeRequestOf(serverContext)?.socket?.remoteAddress ?? null };
}

/**
 * A header's values, one per line as sent. Node keeps only the first of two `Authorization` lines
 * (and joins two `X-API-Key`), so the connection's raw lines are read; a fetch `Headers` (under
 * `yoga.fetch`) has joined them with ", " already.
 */
function headerLines(name: string, request: Request, serverContext: unknown): string[] {
  const raw = nodeRequestOf(serverContext)?.rawHeaders;
  if (!raw) {
    const joined = request.headers.get(name);
    return joined === null ? [] : [joined];
  }
  const lines: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === name) lines.push(raw[i + 1]);
  return lines;
}

/** An element of a comma-separated header value: quoted strings (whose commas separate nothing) and other characters but commas. */
const LIST_ELEMENT = /(?:"(?:[^"\\]|\\.)*"?|[^,"])+/g;

/** Our schemes: a credential of either is one token (token68), never a parameter list. */
const OUR_SCHEMES = new Set(['bearer', 'apikey']);
const AUTH_PARAM = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=/;

/**
 * The schemes (lower case) of the credentials in one `Authorization` value. Other schemes carry
 * comma-separated `name=value` parameters (`Digest username="a", realm="b"`, AWS's
 * `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…`), so a comma begins another credential only where
 * what follows is not such a parameter, or follows one of our token credentials (RFC 9110 §11.4:
 * `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`). A blank value is a credential of
 * no scheme.
 */
function credentialSchemes(value: string): string[] {
  const schemes: string[] = [];
  for (const element of (value.match(LIST_ELEMENT) ?? []).map((e) => e.trim()).filter(Boolean)) {
    const current = schemes.at(-1);
    if (current !== undefined && !OUR_SCHEMES.has(current) && AUTH_PARAM.test(element)) continue;
    schemes.push(element.split(/\s/, 1)[0].toLowerCase());
  }
  return schemes.length ? schemes : [''];
}

/** One credential as presented: in `Authorization` (by its scheme, in lower case) or in `X-API-Key`. */
type Presented = { header: 'authorization'; scheme: string } | { header: 'x-api-key' };

/**
 * Every credential the request presents: each `Authorization` line split into its credentials, and
 * each `X-API-Key` line (no key of ours contains a comma, so a comma there joins two).
 */
function presentedCredentials(request: Request, serverContext: unknown): Presented[] {
  return [
    ...headerLines('authorization', request, serverContext).flatMap((line) =>
      credentialSchemes(line).map((scheme) => ({ header: 'authorization' as const, scheme })),
    ),
    ...headerLines('x-api-key', request, serverContext).flatMap((line) =>
      line.split(',').map(() => ({ header: 'x-api-key' as const })),
    ),
  ];
}

/**
 * Every GraphQL request must prove who it is: `Authorization: Bearer <JWT>` (verified by
 * @graphql-yoga/plugin-jwt: signature, issuer, audience, expiry within the clock tolerance), or an
 * API key (`X-API-Key: <key>` or `Authorization: ApiKey <key>`). Anything else is HTTP 401 with
 * `extensions.code: UNAUTHENTICATED` before the document is even parsed. GraphiQL's page and
 * the health endpoints are served before this runs.
 */
export function useAuthentication(config: AuthConfig, logger: Logger): Plugin[] {
  const apiKeys = new ApiKeys(config.apiKeys ?? []);
  const jwt = config.jwt;
  const plugins: Plugin[] = [];
  if (jwt) {
    const jwtPlugin = useJWT({
      signingKeyProviders: [signingKeyProvider(jwt)],
      tokenVerification: verifyOptions(jwt),
      // The scheme is case-insensitive (RFC 9110); anything but one bearer token is left to the checks below.
      tokenLookupLocations: [
        ({ request }) => {
          const match = /^\s*bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
          return match ? { prefix: 'Bearer', token: match[1] } : undefined;
        },
      ],
      // The decision (and its 401) is ours, below: one error shape for every way of failing.
      reject: { missingToken: false, invalidToken: false },
      extendContext: JWT_FIELD,
    }) as Plugin;
    // The plugin logs through yoga's logger, which knows no request. Each of its warnings is followed
    // by our refusal line (reason and request id); its errors (a signing key that could not be
    // fetched) are kept, as lines of their own.
    const jwtLogger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (...args: unknown[]) =>
        logger.error(
          { component: 'jwt', jwt: args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))) },
          'JWT plugin error',
        ),
    };
    plugins.push({
      ...jwtPlugin,
      onYogaInit: ({ yoga }) => jwtPlugin.onYogaInit?.({ yoga: Object.create(yoga, { logger: { value: jwtLogger } }) }),
    });
  }
  plugins.push({
    onRequestParse({ request, serverContext }) {
      try {
        authenticate(request, serverContext);
      } catch (error) {
        if (error instanceof GraphQLError) {
          // Who tried and why, for security monitoring; never what they sent.
          logger.warn(
            { requestId: requestIdOf(request), reason: error.extensions.reason, ip: peerOf(serverContext).ip },
            'request refused: not authenticated',
          );
        }
        throw error;
      }
    },
  });
  return plugins;

  function authenticate(request: Request, serverContext: unknown): void {
    // Schemes first, then the count: a Digest header's commas are one credential, not several.
    const credentials = presentedCredentials(request, serverContext);
    if (credentials.length > 1)
      throw unauthenticated(
        'AMBIGUOUS_CREDENTIALS',
        'send one credential: one Authorization header (a bearer token or an API key) or one X-API-Key',
        true,
      );
    const [credential] = credentials;
    if (!credential)
      throw unauthenticated('MISSING_CREDENTIALS', 'credentials are required: a bearer token or an API key', false);
    let grant: Grant;
    let validUntil: number | null = null;
    if (credential.header === 'authorization' && credential.scheme === 'bearer') {
      const verified = (serverContext as Record<string, { payload?: JwtPayload } | undefined>)[JWT_FIELD]?.payload;
      if (!jwt || !verified) throw unauthenticated('INVALID_TOKEN', 'the bearer token is invalid or expired', true);
      const result = grantFromClaims(verified, jwt.claims);
      if (typeof result === 'string') throw unauthenticated('INVALID_TOKEN', result, true);
      grant = result;
      validUntil = acceptedUntil(verified, jwt);
    } else if (credential.header === 'x-api-key' || credential.scheme === 'apikey') {
      const presented =
        credential.header === 'x-api-key'
          ? (request.headers.get('x-api-key') ?? '')
          : (request.headers.get('authorization') ?? '').trim().slice('apikey'.length).trim();
      const matched = apiKeys.match(presented);
      if (!matched) throw unauthenticated('INVALID_API_KEY', 'the API key is not valid', true);
      grant = matched;
    } else {
      throw unauthenticated('UNSUPPORTED_SCHEME', 'use "Authorization: Bearer <token>" or an API key', true);
    }
    const forwarded = request.headers.get('x-forwarded-for');
    callers.set(request, {
      grant,
      ...peerOf(serverContext),
      forwardedFor: forwarded && /^[0-9A-Fa-f.:, [\]]{1,256}$/.test(forwarded) ? forwarded : null,
      validUntil,
    });
  }
}
