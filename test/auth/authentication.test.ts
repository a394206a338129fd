import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/api-keys.js';
import { parseConfig } from '../../src/config.js';
import { configProblems } from '../helpers/config.js';
import { rawRequest } from '../helpers/raw-http.js';
import { DEMO_AUDIENCE, DEMO_ISSUER } from '../../src/emulators/index.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { allUpstreamCalls, gatewayOn, post, type RawResponse } from './helpers.js';
import { DEMO_SOURCE_COUNT } from '../helpers/expected.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';

const QUERY = { query: '{ sources { id } secrets(first: 1) { nodes { id } } }' };
const API_KEY = `sgw_${randomBytes(24).toString('base64url')}`;

function rsaKey(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function expectUnauthenticated(response: RawResponse, reason: string): void {
  expect(response.status).toBe(401);
  expect(response.body?.data).toBeUndefined();
  expect(response.body?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(response.body?.errors?.[0]?.extensions?.reason).toBe(reason);
  expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="secrets-gateway"/);
}

function expectAccepted(response: RawResponse): void {
  expect(response.status, response.text).toBe(200);
  expect(response.body?.errors).toBeUndefined();
  expect(response.body?.data?.sources.length).toBe(DEMO_SOURCE_COUNT);
}

describe('authentication', () => {
  let stack: Stack;
  let secret: string;
  /** A token for the stack's key; `exp` in the claims replaces the default 5-minute lifetime. */
  const sign = (claims: Record<string, unknown>, options: jsonwebtoken.SignOptions = {}, key: string = secret) =>
    jsonwebtoken.sign({ scope: 'secrets:read', ...claims }, key, {
      algorithm: 'HS256',
      issuer: DEMO_ISSUER,
      audience: DEMO_AUDIENCE,
      subject: 'alice',
      ...('exp' in claims ? {} : { expiresIn: 300 }),
      ...options,
    });

  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        config.auth.apiKeys = [{ id: 'portal', sha256: sha256Hex(API_KEY), scopes: ['secrets:read'] }];
      },
    });
    secret = stack.config.auth.jwt!.hs256Secret!;
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounters());

  describe('without valid credentials: HTTP 401, UNAUTHENTICATED, and no cloud API is called', () => {
    it('no credentials at all', async () => {
      expectUnauthenticated(await post(stack.server.url, QUERY), 'MISSING_CREDENTIALS');
      // GET with the CSRF header gets as far as authentication too.
      const get = await fetch(`${stack.server.url}/graphql?query=${encodeURIComponent('{ sources { id } }')}`, {
        headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
      });
      expect(get.status).toBe(401);
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('a bearer value that is not a JWT', async () => {
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: 'Bearer not-a-token' }),
        'INVALID_TOKEN',
      );
      expectUnauthenticated(await post(stack.server.url, QUERY, { authorization: 'Bearer' }), 'INVALID_TOKEN');
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('an expired token (beyond the clock tolerance)', async () => {
      const expired = sign({ exp: Math.floor(Date.now() / 1000) - 120 });
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${expired}` }),
        'INVALID_TOKEN',
      );
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('a token from another issuer', async () => {
      expectUnauthenticated(
        await post(stack.server.url, QUERY, {
          authorization: `Bearer ${sign({}, { issuer: 'https://evil.example' })}`,
        }),
        'INVALID_TOKEN',
      );
    });

    it('a token for another audience', async () => {
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${sign({}, { audience: 'another-api' })}` }),
        'INVALID_TOKEN',
      );
    });

    it('a token with a bad signature (another key), or with its payload altered', async () => {
      expectUnauthenticated(
        await post(stack.server.url, QUERY, {
          authorization: `Bearer ${sign({}, {}, randomBytes(32).toString('hex'))}`,
        }),
        'INVALID_TOKEN',
      );
      const [header, , signature] = sign({}).split('.');
      const widened = Buffer.from(
        JSON.stringify({
          sub: 'alice',
          scope: 'secrets:read secrets:reveal',
          iss: DEMO_ISSUER,
          aud: DEMO_AUDIENCE,
          exp: 9_999_999_999,
        }),
      ).toString('base64url');
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${header}.${widened}.${signature}` }),
        'INVALID_TOKEN',
      );
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('an unsigned token (alg "none")', async () => {
      const unsigned = jsonwebtoken.sign(
        {
          scope: 'secrets:read',
          sub: 'alice',
          iss: DEMO_ISSUER,
          aud: DEMO_AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 300,
        },
        '',
        { algorithm: 'none' },
      );
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${unsigned}` }),
        'INVALID_TOKEN',
      );
    });

    it('a token without expiry or without subject', async () => {
      const noExp = jsonwebtoken.sign({ scope: 'secrets:read' }, secret, {
        algorithm: 'HS256',
        issuer: DEMO_ISSUER,
        audience: DEMO_AUDIENCE,
        subject: 'alice',
      });
      const noExpResponse = await post(stack.server.url, QUERY, { authorization: `Bearer ${noExp}` });
      expectUnauthenticated(noExpResponse, 'INVALID_TOKEN');
      expect(noExpResponse.body?.errors?.[0]?.message).toMatch(/exp/);
      const noSub = jsonwebtoken.sign({ scope: 'secrets:read' }, secret, {
        algorithm: 'HS256',
        issuer: DEMO_ISSUER,
        audience: DEMO_AUDIENCE,
        expiresIn: 300,
      });
      expectUnauthenticated(await post(stack.server.url, QUERY, { authorization: `Bearer ${noSub}` }), 'INVALID_TOKEN');
    });

    it('a restriction claim that is malformed rejects the token rather than widening it', async () => {
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${sign({ sources: { any: true } })}` }),
        'INVALID_TOKEN',
      );
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${sign({ namespaces: ['no-slash'] })}` }),
        'INVALID_TOKEN',
      );
    });

    it('a wrong API key, an unknown scheme, and two credentials at once', async () => {
      expectUnauthenticated(await post(stack.server.url, QUERY, { 'x-api-key': `${API_KEY}x` }), 'INVALID_API_KEY');
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `ApiKey ${API_KEY.slice(1)}` }),
        'INVALID_API_KEY',
      );
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: 'Basic YWxpY2U6c2VjcmV0' }),
        'UNSUPPORTED_SCHEME',
      );
      expectUnauthenticated(
        await post(stack.server.url, QUERY, { authorization: `Bearer ${sign({})}`, 'x-api-key': API_KEY }),
        'AMBIGUOUS_CREDENTIALS',
      );
      expect(allUpstreamCalls(stack)).toBe(0);
    });
  });

  describe('schemes are told apart before credentials are counted (raw HTTP, as clients and proxies send them)', () => {
    const DIGEST =
      'Digest username="admin", realm="x", nonce="y", uri="/graphql", response="z", qop=auth, nc=00000001, cnonce="0a4f113b"';
    const AWS_SIGV4 =
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
    const OAUTH1 =
      'OAuth realm="Example", oauth_consumer_key="0685bd9184jfhq22", oauth_signature_method="HMAC-SHA1", oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D", oauth_timestamp="137131200", oauth_nonce="4572616e48616d6d", oauth_version="1.0"';
    /** Each header line as sent, in order; a name given twice is sent twice. */
    const send = (headers: Array<[string, string]>) =>
      rawRequest(stack.server.url, {
        path: '/graphql',
        headers: [['content-type', 'application/json'], ['accept', 'application/graphql-response+json'], ...headers],
        body: JSON.stringify(QUERY),
      });
    const expectRefused = (response: Awaited<ReturnType<typeof send>>, reason: string, what: string) => {
      expect(response.status, `${what} → ${response.text}`).toBe(401);
      expect(response.json?.errors?.[0]?.extensions, what).toMatchObject({ code: 'UNAUTHENTICATED', reason });
      expect(response.headers['www-authenticate'], what).toMatch(/^Bearer realm="secrets-gateway"/);
    };

    it('any scheme but Bearer and ApiKey is UNSUPPORTED_SCHEME, commas, quoted commas and case notwithstanding', async () => {
      const bearer = `Bearer ${sign({})}`;
      for (const value of [
        DIGEST,
        DIGEST.replace('Digest', 'digest'),
        DIGEST.replace('Digest', 'DIGEST'),
        // A comma, even a scheme name, inside a quoted string is part of the parameter.
        `Digest username="a, ${bearer}", realm="x"`,
        `Digest username="a\\", ${bearer}", realm="x"`,
        'Digest username = "admin" , realm = "x"',
        AWS_SIGV4,
        OAUTH1,
        'Basic YWxpY2U6c2VjcmV0',
        'Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICHg==',
        'Negotiate',
        'HOBA result="kid.challenge.nonce.signature"',
        'Token abc',
      ]) {
        expectRefused(await send([['authorization', value]]), 'UNSUPPORTED_SCHEME', value);
      }
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('two credentials stay AMBIGUOUS_CREDENTIALS: joined by a comma, on two lines, or in two headers, whatever their schemes', async () => {
      const bearer = `Bearer ${sign({})}`;
      const other = `Bearer ${sign({}, { subject: 'mallory' })}`;
      const cases: Array<[string, Array<[string, string]>]> = [
        ['the same bearer joined twice', [['authorization', `${bearer}, ${bearer}`]]],
        ['two bearers joined', [['authorization', `${bearer}, ${other}`]]],
        ['a bearer joined with an ApiKey', [['authorization', `${bearer},ApiKey ${API_KEY}`]]],
        ['two ApiKeys joined', [['authorization', `ApiKey ${API_KEY}, ApiKey ${API_KEY}`]]],
        // A proxy that joined a Digest and a Bearer: a bearer is there, and so is another credential.
        ['a Digest token joined with a bearer', [['authorization', `Digest x, ${bearer}`]]],
        ['a Digest with parameters joined with a bearer', [['authorization', `${DIGEST}, ${bearer}`]]],
        ['a bearer joined with a Digest', [['authorization', `${bearer}, ${DIGEST}`]]],
        ['AWS SigV4 joined with an ApiKey', [['authorization', `${AWS_SIGV4}, ApiKey ${API_KEY}`]]],
        // Our credentials are single tokens: whatever follows a comma is another credential.
        ['a bearer followed by a parameter', [['authorization', `${bearer}, realm="x"`]]],
        ['a bearer followed by a bare token', [['authorization', `${bearer}, x`]]],
        [
          'a Digest line and a bearer line',
          [
            ['authorization', DIGEST],
            ['authorization', bearer],
          ],
        ],
        [
          'two Basic lines',
          [
            ['authorization', 'Basic YWxpY2U6c2VjcmV0'],
            ['authorization', 'Basic Ym9iOnNlY3JldA=='],
          ],
        ],
        [
          'a Digest and an X-API-Key',
          [
            ['authorization', DIGEST],
            ['x-api-key', API_KEY],
          ],
        ],
        ['an X-API-Key with a comma', [['x-api-key', `${API_KEY}, ${API_KEY}`]]],
      ];
      for (const [what, headers] of cases) expectRefused(await send(headers), 'AMBIGUOUS_CREDENTIALS', what);
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('through yoga.fetch (a fetch Headers joins duplicates with ", "): the same answers', async () => {
      const ask = async (...values: string[]) => {
        const headers = new Headers({ 'content-type': 'application/json' });
        for (const value of values) headers.append('authorization', value);
        const response = await stack.gateway.yoga.fetch('http://gateway/graphql', {
          method: 'POST',
          headers,
          body: JSON.stringify(QUERY),
        });
        return { status: response.status, reason: (await response.json()).errors?.[0]?.extensions?.reason };
      };
      expect(await ask(DIGEST)).toEqual({ status: 401, reason: 'UNSUPPORTED_SCHEME' });
      expect(await ask(DIGEST, `Bearer ${sign({})}`)).toEqual({ status: 401, reason: 'AMBIGUOUS_CREDENTIALS' });
      expect(await ask(`Bearer ${sign({})}`, `Bearer ${sign({})}`)).toEqual({
        status: 401,
        reason: 'AMBIGUOUS_CREDENTIALS',
      });
    });

    it('one bearer or API key, in any case of its scheme, is still accepted (control)', async () => {
      for (const headers of [
        [['authorization', `Bearer ${sign({})}`]],
        [['authorization', `BEARER ${sign({})}`]],
        [['authorization', `  bearer   ${sign({})}  `]],
        [['authorization', `apikey ${API_KEY}`]],
        [['x-api-key', API_KEY]],
      ] as Array<Array<[string, string]>>) {
        const response = await send(headers);
        expect(response.status, `${headers[0][1].slice(0, 12)} → ${response.text}`).toBe(200);
        expect(response.json?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
      }
    });
  });

  describe('accepted credentials', () => {
    it('HS256 token from the configured secret', async () => {
      expectAccepted(await post(stack.server.url, QUERY, { authorization: `Bearer ${sign({})}` }));
      // The scheme is case-insensitive.
      expectAccepted(await post(stack.server.url, QUERY, { authorization: `bearer ${sign({})}` }));
    });

    it('a token that expired a few seconds ago, within the clock tolerance (30 s)', async () => {
      const justExpired = sign({ exp: Math.floor(Date.now() / 1000) - 5 });
      expectAccepted(await post(stack.server.url, QUERY, { authorization: `Bearer ${justExpired}` }));
    });

    it('a valid token without a scope claim authenticates, and is then FORBIDDEN everything', async () => {
      const noScope = jsonwebtoken.sign({}, secret, {
        algorithm: 'HS256',
        issuer: DEMO_ISSUER,
        audience: DEMO_AUDIENCE,
        subject: 'alice',
        expiresIn: 300,
      });
      const response = await post(stack.server.url, QUERY, { authorization: `Bearer ${noScope}` });
      expect(response.status).toBe(200);
      expect(response.body?.data).toBeNull();
      expect(response.body?.errors?.length).toBeGreaterThan(0);
      expect(response.body?.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
      expect(allUpstreamCalls(stack)).toBe(0);
    });

    it('API key in X-API-Key and in Authorization: ApiKey', async () => {
      expectAccepted(await post(stack.server.url, QUERY, { 'x-api-key': API_KEY }));
      expectAccepted(await post(stack.server.url, QUERY, { authorization: `ApiKey ${API_KEY}` }));
    });
  });

  describe('RS256 with keys from a JWKS', () => {
    const current = rsaKey('key-2026-01');
    const impostor = rsaKey('key-2026-01');
    const signRs = (
      key: ReturnType<typeof rsaKey>,
      claims: Record<string, unknown> = {},
      kid: string | undefined = key.kid,
    ) =>
      jsonwebtoken.sign({ scope: 'secrets:read', ...claims }, key.privateKey, {
        algorithm: 'RS256',
        keyid: kid,
        issuer: 'https://idp.example',
        audience: 'secrets-gateway',
        subject: 'svc-portal',
        expiresIn: 300,
      });
    const rsConfig = (key: { jwksFile?: string; jwksUrl?: string }) => ({
      issuer: 'https://idp.example',
      audience: 'secrets-gateway',
      clockToleranceSeconds: 30,
      claims: { scope: 'scope', sources: 'sources', namespaces: 'namespaces' },
      ...key,
    });

    let fileGateway: Awaited<ReturnType<typeof gatewayOn>>;
    let urlGateway: Awaited<ReturnType<typeof gatewayOn>>;
    let jwksServer: Server;
    let jwksRequests = 0;

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sgw-jwks-'));
      const jwksFile = join(dir, 'jwks.json');
      writeFileSync(jwksFile, JSON.stringify({ keys: [current.jwk] }));
      fileGateway = await gatewayOn(stack, (config) => {
        config.auth = { jwt: rsConfig({ jwksFile }) };
      });
      jwksServer = createServer((req, res) => {
        jwksRequests++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [current.jwk] }));
      });
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
      const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
      urlGateway = await gatewayOn(stack, (config) => {
        config.auth = { jwt: rsConfig({ jwksUrl }) };
      });
    });
    afterAll(async () => {
      await fileGateway.close();
      await urlGateway.close();
      jwksServer.closeAllConnections();
      await new Promise((resolve) => jwksServer.close(resolve));
    });

    for (const [label, gateway] of [
      ['JWKS file', () => fileGateway],
      ['JWKS URL on 127.0.0.1', () => urlGateway],
    ] as const) {
      it(`${label}: a token signed with the published key is accepted`, async () => {
        expectAccepted(await post(gateway().url, QUERY, { authorization: `Bearer ${signRs(current)}` }));
      });

      it(`${label}: another key under the same kid, an unknown kid, and an HS256 token keyed with the public key are 401 (never 500)`, async () => {
        stack.resetCounters();
        expectUnauthenticated(
          await post(gateway().url, QUERY, { authorization: `Bearer ${signRs(impostor)}` }),
          'INVALID_TOKEN',
        );
        expectUnauthenticated(
          await post(gateway().url, QUERY, { authorization: `Bearer ${signRs(current, {}, 'no-such-kid')}` }),
          'INVALID_TOKEN',
        );
        const pem = current.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        const confused = jsonwebtoken.sign({ scope: 'secrets:read' }, pem, {
          algorithm: 'HS256',
          keyid: current.kid,
          issuer: 'https://idp.example',
          audience: 'secrets-gateway',
          subject: 'x',
          expiresIn: 300,
        });
        expectUnauthenticated(
          await post(gateway().url, QUERY, { authorization: `Bearer ${confused}` }),
          'INVALID_TOKEN',
        );
        // The demo's HS256 tokens mean nothing to an RS256 gateway.
        expectUnauthenticated(await post(gateway().url, QUERY, stack.authHeaders), 'INVALID_TOKEN');
        expect(allUpstreamCalls(stack)).toBe(0);
      });
    }

    it('the JWKS URL is fetched once and cached, not per request', async () => {
      const before = jwksRequests;
      for (let i = 0; i < 3; i++)
        expectAccepted(await post(urlGateway.url, QUERY, { authorization: `Bearer ${signRs(current)}` }));
      expect(jwksRequests - before).toBe(0);
      expect(jwksRequests).toBeGreaterThanOrEqual(1);
    });
  });

  describe('what stays open', () => {
    it('health and readiness need no credentials', async () => {
      expect((await fetch(`${stack.server.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${stack.server.url}/readyz`)).status).toBe(200);
    });

    it('the GraphiQL page loads without credentials; the demo prefills its token', async () => {
      const page = await fetch(`${stack.server.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).not.toMatch(/Bearer ey/);
      const demo = await gatewayOn(stack, () => undefined, {
        graphiqlHeaders: { Authorization: `Bearer ${stack.token()}` },
      });
      try {
        const html = await (await fetch(`${demo.url}/graphql`, { headers: { accept: 'text/html' } })).text();
        expect(html).toMatch(/Bearer ey/);
      } finally {
        await demo.close();
      }
    });
  });

  describe('configuration', () => {
    const base = {
      sources: [
        {
          id: 'kms',
          provider: 'alibaba-kms',
          region: 'cn-hangzhou',
          credentials: { accessKeyId: 'a', accessKeySecret: 'b' },
        },
      ],
    };
    const problems = (raw: unknown): string[] => configProblems(() => parseConfig(raw, PROVIDER_CATALOG, {}));

    it('a configuration file must say how requests authenticate', () => {
      expect(problems(base)).toEqual([expect.stringMatching(/^auth: required/)]);
    });

    it('every problem of the auth section is reported', () => {
      const found = problems({
        ...base,
        auth: {
          jwt: { issuer: 'x', audience: 'y', hs256Secret: 'short', jwksUrl: 'http://idp.example/jwks' },
          apiKeys: [{ id: 'p', sha256: 'abc', scopes: ['secrets:write'], sources: ['nope'] }],
        },
      });
      expect(found.join('\n')).toMatch(/hs256Secret: at least 32/);
      expect(found.join('\n')).toMatch(/jwksUrl: an https URL/);
      expect(found.join('\n')).toMatch(/exactly one of jwksFile, jwksUrl or hs256Secret/);
      expect(found.join('\n')).toMatch(/apiKeys\[0\]\.sha256/);
      expect(found.join('\n')).toMatch(/apiKeys\[0\]\.scopes\[0\]/);
    });

    it('API keys may only name configured sources; secrets come from the environment', () => {
      const found = problems({
        ...base,
        auth: { apiKeys: [{ id: 'p', sha256: sha256Hex('k'), scopes: ['secrets:read'], sources: ['nope'] }] },
      });
      expect(found).toEqual(['auth.apiKeys[0].sources[0]: no source "nope"']);
      const config = parseConfig(
        { ...base, auth: { jwt: { issuer: 'i', audience: 'a', hs256Secret: '${JWT_SECRET}' } } },
        PROVIDER_CATALOG,
        { JWT_SECRET: 'x'.repeat(40) },
      );
      expect(config.auth.jwt?.hs256Secret).toBe('x'.repeat(40));
      expect(config.limits.maxCost).toBe(2500);
    });
  });
});
