import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/auth/api-keys.js';
import { createLogger } from '../../src/logger.js';
import { unexpectedErrorLogging } from '../../src/server/error-log.js';
import { useRequestId } from '../../src/server/request-id.js';
import { allUpstreamCalls, gatewayOn } from '../auth/helpers.js';
import { rawRequest, type RawRequest, type RawResponse } from '../helpers/raw-http.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { DEMO_SOURCE_COUNT } from '../helpers/expected.js';

/**
 * The envelope around the GraphQL document: paths, bodies, variables, operation types and
 * headers, sent exactly as written over real sockets. Every refusal is a 4xx with a stable code,
 * made before any cloud API is called.
 */

const API_KEY = 'sgw_envelope-test-key-0123456789abcdef';
const QUERY = JSON.stringify({ query: '{ sources { id } }' });

let stack: Stack;
let json: Array<[string, string]>;

const send = (spec: RawRequest) => rawRequest(stack.server.url, spec);
const post = (body: string, extra: Array<[string, string]> = [], path = '/graphql') =>
  send({ path, headers: [...json, ...extra], body });
/** A body of `size` bytes that is valid JSON from its first byte. */
const paddedBody = (size: number) => `{"query":"{ sources { id } }","pad":"${'x'.repeat(Math.max(0, size - 40))}"}`;

function expectRefused(
  response: RawResponse,
  want: { status: number | number[]; code: string; reason?: string },
): void {
  const statuses = Array.isArray(want.status) ? want.status : [want.status];
  expect(statuses, response.text).toContain(response.status);
  expect(response.json?.data ?? null).toBeNull();
  expect(response.json?.errors?.[0]?.extensions?.code, response.text).toBe(want.code);
  if (want.reason) expect(response.json?.errors?.[0]?.extensions?.reason).toBe(want.reason);
  expect(response.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  expect(response.headers['x-request-id']).toBeTruthy();
  expect(allUpstreamCalls(stack)).toBe(0);
}

beforeAll(async () => {
  stack = await startStack({
    configure: (config) => {
      config.auth.apiKeys = [{ id: 'envelope', sha256: sha256Hex(API_KEY), scopes: ['secrets:read'] }];
    },
  });
  json = [
    ['content-type', 'application/json'],
    ['accept', 'application/graphql-response+json'],
    ['authorization', stack.authHeaders.authorization],
  ];
});
afterAll(() => stack?.close());
beforeEach(() => stack.resetCounters());

describe('paths: GraphQL is served at /graphql exactly; everything else is 404', () => {
  const others = [
    '/graphql/',
    '//graphql',
    '/graphql;x',
    '/GRAPHQL',
    '/x?y=/graphql',
    '/%2Fgraphql',
    '/api/graphql',
    '/graphql%20',
    '/',
    '/healthz/graphql',
  ];
  for (const path of others) {
    it(`POST ${path} → 404 NOT_FOUND, also with a 200 KB body`, async () => {
      expectRefused(await post(QUERY, [], path), { status: 404, code: 'NOT_FOUND' });
      expectRefused(await post(paddedBody(200_000), [], path), { status: 404, code: 'NOT_FOUND' });
      expectRefused(await send({ path, headers: json, body: paddedBody(200_000), chunkSize: 16_384 }), {
        status: 404,
        code: 'NOT_FOUND',
      });
    });
  }

  it('GET of another path is 404 too; the operator endpoints answer on their exact paths', async () => {
    expectRefused(
      await send({
        method: 'GET',
        path: `/graphql/?query=${encodeURIComponent('{ sources { id } }')}`,
        headers: [...json, ['x-graphql-yoga-csrf', '1']],
      }),
      {
        status: 404,
        code: 'NOT_FOUND',
      },
    );
    for (const path of ['/readyz', '/metrics', '/healthz'])
      expect((await send({ method: 'GET', path })).status).toBe(200);
    expect((await post(QUERY)).json?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
  });
});

describe('bodies: counted while they stream, refused past 64 KiB whatever the transfer encoding', () => {
  it('Content-Length over the limit → 413 before the body is read', async () => {
    expectRefused(await post(paddedBody(200_000)), {
      status: 413,
      code: 'QUERY_LIMIT_EXCEEDED',
      reason: 'MAX_BODY_BYTES',
    });
  });

  it('chunked without Content-Length: under the limit it is served, over it 413', async () => {
    const small = await send({ path: '/graphql', headers: json, body: QUERY, chunkSize: 7 });
    expect(small.status, small.text).toBe(200);
    expect(small.json?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
    stack.resetCounters();
    expectRefused(await send({ path: '/graphql', headers: json, body: paddedBody(70_000), chunkSize: 4096 }), {
      status: 413,
      code: 'QUERY_LIMIT_EXCEEDED',
      reason: 'MAX_BODY_BYTES',
    });
  });

  it('every body-reading content type is bounded: application/graphql, form, text/plain', async () => {
    const big = `{ sources { id } } # ${'x'.repeat(70_000)}`;
    const csrf: Array<[string, string]> = [
      ['x-graphql-yoga-csrf', '1'],
      ['authorization', stack.authHeaders.authorization],
    ];
    for (const [type, body] of [
      ['application/graphql', big],
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent(big)}`],
      ['text/plain', big],
    ]) {
      const response = await send({
        path: '/graphql',
        headers: [...csrf, ['content-type', type]],
        body,
        chunkSize: 8192,
      });
      expect([413, 415], `${type}: ${response.status} ${response.text}`).toContain(response.status);
      expect(allUpstreamCalls(stack)).toBe(0);
    }
  });

  it('multipart is not served (no uploads in the schema): 415', async () => {
    const body =
      '--b\r\ncontent-disposition: form-data; name="operations"\r\n\r\n{"query":"{ sources { id } }"}\r\n--b--\r\n';
    const response = await send({
      path: '/graphql',
      headers: [
        ['content-type', 'multipart/form-data; boundary=b'],
        ['x-graphql-yoga-csrf', '1'],
        ['authorization', stack.authHeaders.authorization],
      ],
      body,
    });
    expect(response.status).toBe(415);
    expect(allUpstreamCalls(stack)).toBe(0);
  });

  it('a 20 MB body on any path, declared or chunked, is refused without being held: memory stays flat', async () => {
    const huge = Buffer.alloc(20 * 1024 * 1024, 'x');
    const before = process.memoryUsage().rss;
    for (const path of ['/graphql', '//graphql', '/graphql/']) {
      for (const chunkSize of [undefined, 256 * 1024]) {
        const response = await send({ path, headers: json, body: huge, chunkSize });
        expect([404, 413], `${path} ${chunkSize}`).toContain(response.status);
      }
    }
    // The test's own 20 MB buffer is already counted in `before`.
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    expect(allUpstreamCalls(stack)).toBe(0);
  });
});

describe('variables and documents: bounded before anything reads them', () => {
  const deep = (levels: number, open = '[', close = ']') => `${open.repeat(levels)}1${close.repeat(levels)}`;

  it('variables nested 5,000 levels (used or unused) → MAX_VARIABLES_DEPTH, not a stack overflow', async () => {
    const used = `{"query":"query($f: SecretFilter) { secrets(first: 1, filter: $f) { totalCount } }","variables":{"f":{"names":${deep(5000)}}}}`;
    expectRefused(await post(used), { status: 400, code: 'QUERY_LIMIT_EXCEEDED', reason: 'MAX_VARIABLES_DEPTH' });
    const unused = `{"query":"{ sources { id } }","variables":{"a":${deep(5000)},"b":${deep(5000, '{"x":', '}')}}}`;
    expectRefused(await post(unused), { status: 400, code: 'QUERY_LIMIT_EXCEEDED', reason: 'MAX_VARIABLES_DEPTH' });
    const representations = `{"query":"query($r: [_Any!]!) { _entities(representations: $r) { __typename } }","variables":{"r":[{"__typename":"KmsSecret","id":${deep(3000)}}]}}`;
    expectRefused(await post(representations), {
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      reason: 'MAX_VARIABLES_DEPTH',
    });
  });

  it('extensions are measured like variables', async () => {
    expectRefused(await post(`{"query":"{ sources { id } }","extensions":{"a":${deep(5000)}}}`), {
      status: 400,
      code: 'QUERY_LIMIT_EXCEEDED',
      reason: 'MAX_VARIABLES_DEPTH',
    });
  });

  it('a list of more than 1,000 items → MAX_VARIABLES_LIST_LENGTH', async () => {
    const ids = JSON.stringify(Array.from({ length: 1001 }, () => 'x'));
    const response = await post(
      `{"query":"query($ids: [ID!]!) { nodes(ids: $ids) { id } }","variables":{"ids":${ids}}}`,
    );
    expectRefused(response, { status: 400, code: 'QUERY_LIMIT_EXCEEDED', reason: 'MAX_VARIABLES_LIST_LENGTH' });
    expect(response.json?.errors?.[0]?.extensions?.limit).toBe(1000);
  });

  it('variables over the size limit → MAX_VARIABLES_BYTES (a gateway configured with 2 KiB)', async () => {
    const small = await gatewayOn(stack, (config) => {
      config.limits.maxVariablesBytes = 2048;
    });
    try {
      const query = 'query($n: ID!) { source(id: $n) { id } }';
      const body = JSON.stringify({ query, variables: { n: 'x'.repeat(3000) } });
      expectRefused(await rawRequest(small.url, { path: '/graphql', headers: json, body }), {
        status: 400,
        code: 'QUERY_LIMIT_EXCEEDED',
        reason: 'MAX_VARIABLES_BYTES',
      });
      const ok = await rawRequest(small.url, {
        path: '/graphql',
        headers: json,
        body: JSON.stringify({ query, variables: { n: 'x'.repeat(1000) } }),
      });
      expect(ok.json, ok.text).toEqual({ data: { source: null } });
    } finally {
      await small.close();
    }
  });

  it('a document nested past 64 brackets, braces or parentheses → MAX_NESTING, not a stack overflow', async () => {
    for (const query of [
      `{${'a{'.repeat(2400)}a${'}'.repeat(2401)}`,
      `{ a(x: ${deep(2400)}) }`,
      `{ a(x: ${deep(1600, '{a:', '}')}) }`,
    ]) {
      expectRefused(await post(JSON.stringify({ query })), {
        status: 400,
        code: 'QUERY_LIMIT_EXCEEDED',
        reason: 'MAX_NESTING',
      });
    }
  });

  it('GET with variables that are not JSON → 400 BAD_REQUEST (MALFORMED_PARAMS)', async () => {
    const path = `/graphql?query=${encodeURIComponent('query($n: Int) { sources { id } }')}&variables=%7B`;
    expectRefused(await send({ method: 'GET', path, headers: [...json, ['x-graphql-yoga-csrf', '1']] }), {
      status: 400,
      code: 'BAD_REQUEST',
      reason: 'MALFORMED_PARAMS',
    });
  });
});

describe('operations: a query, or a subscription as an event stream', () => {
  const cases: Array<{ title: string; body: object; status: number; reason: string }> = [
    {
      title: 'a mutation',
      body: { query: 'mutation { sources { id } }' },
      status: 400,
      reason: 'OPERATION_NOT_SUPPORTED',
    },
    {
      title: 'a subscription whose Accept admits no event stream',
      body: { query: 'subscription { secretChanged { kind } }' },
      status: 406,
      reason: 'NOT_ACCEPTABLE',
    },
    {
      title: 'an unknown operationName',
      body: { query: 'query A { sources { id } }', operationName: 'B' },
      status: 400,
      reason: 'OPERATION_NOT_FOUND',
    },
    {
      title: 'several operations and no operationName',
      body: { query: 'query A { sources { id } } query B { sources { id } }' },
      status: 400,
      reason: 'OPERATION_NAME_REQUIRED',
    },
    {
      title: 'a mutation chosen by operationName',
      body: { query: 'query A { sources { id } } mutation B { x }', operationName: 'B' },
      status: 400,
      reason: 'OPERATION_NOT_SUPPORTED',
    },
    { title: 'fragments only', body: { query: 'fragment F on Source { id }' }, status: 400, reason: 'NO_OPERATION' },
  ];
  for (const c of cases) {
    it(`${c.title} → ${c.status} BAD_REQUEST (${c.reason})`, async () => {
      expectRefused(await post(JSON.stringify(c.body)), { status: c.status, code: 'BAD_REQUEST', reason: c.reason });
    });
  }

  it('a subscription asking for an event stream is validated like any operation: an unknown field is an error event, never a 500', async () => {
    const response = await send({
      path: '/graphql',
      headers: [
        ['content-type', 'application/json'],
        ['accept', 'text/event-stream'],
        ['authorization', stack.authHeaders.authorization],
      ],
      body: JSON.stringify({ query: 'subscription { sources { id } }' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(response.text).toContain('Cannot query field');
    expect(response.text).toMatch(/event: complete/);
    expect(allUpstreamCalls(stack)).toBe(0);
  });

  it('GET queries with their own query strings and Host headers add no series to /metrics (no URL label)', async () => {
    const series = async () =>
      (await (await fetch(`${stack.server.url}/metrics`)).text())
        .split('\n')
        .filter((line) => line.startsWith('graphql_yoga_http_duration_count{'));
    for (let i = 0; i < 5; i++) {
      const response = await send({
        method: 'GET',
        path: `/graphql?query=${encodeURIComponent('{ sources { id } }')}&n=${i}`,
        headers: [...json.filter(([name]) => name !== 'host'), ['host', `proxy-${i}.example`]],
      });
      expect(response.status, response.text).toBe(200);
    }
    const lines = await series();
    expect(lines.some((line) => line.includes('method="GET"'))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/url=|proxy-|n=\d/);
  });

  it('GET with a mutation → 405 with Allow: POST; GET with a subscription and no event stream → 406', async () => {
    const get = (query: string) =>
      send({
        method: 'GET',
        path: `/graphql?query=${encodeURIComponent(query)}`,
        headers: [...json, ['x-graphql-yoga-csrf', '1']],
      });
    const mutation = await get('mutation { sources { id } }');
    expectRefused(mutation, { status: 405, code: 'BAD_REQUEST', reason: 'OPERATION_NOT_SUPPORTED' });
    expect(mutation.headers.allow).toBe('POST');
    expectRefused(await get('subscription { secretChanged { kind } }'), {
      status: 406,
      code: 'BAD_REQUEST',
      reason: 'NOT_ACCEPTABLE',
    });
  });

  it('an Accept that admits no response we write → 406 before anything runs', async () => {
    const withAccept = (accept: string, query: string) =>
      send({
        path: '/graphql',
        headers: [...json.filter(([name]) => name !== 'accept'), ['accept', accept]],
        body: JSON.stringify({ query }),
      });
    for (const accept of ['text/html', 'application/xml', 'application/json; charset=latin1', 'image/*']) {
      const response = await withAccept(accept, '{ secrets(first: 1) { totalCount } }');
      expect(response.status, accept).toBe(406);
      expect(allUpstreamCalls(stack)).toBe(0);
    }
    const anything = await withAccept('text/html, */*;q=0.1', '{ sources { id } }');
    expect(anything.json?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
  });

  it('control: the named query of several runs', async () => {
    const response = await post(
      JSON.stringify({ query: 'query A { sources { id } } query B { sources { provider } }', operationName: 'A' }),
    );
    expect(response.json?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
  });

  it('_entities with a representation that names no entity → BAD_USER_INPUT, not an unexpected error', async () => {
    for (const representation of [{ __typename: 'Nope' }, { __typename: 'Query' }, 1, [], { id: 'x' }]) {
      const body = JSON.stringify({
        query: 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
        variables: { r: [representation] },
      });
      const response = await post(body);
      expect(response.status).toBeLessThan(500);
      expect(response.json?.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect(allUpstreamCalls(stack)).toBe(0);
  });
});

describe('credentials: two of them are AMBIGUOUS_CREDENTIALS, however they are sent', () => {
  const base: Array<[string, string]> = [
    ['content-type', 'application/json'],
    ['accept', 'application/graphql-response+json'],
  ];
  const bearer = () => stack.authHeaders.authorization;
  const combinations: Array<{ title: string; headers: () => Array<[string, string]> }> = [
    {
      title: 'Bearer then ApiKey',
      headers: () => [
        ['authorization', bearer()],
        ['authorization', `ApiKey ${API_KEY}`],
      ],
    },
    {
      title: 'ApiKey then Bearer',
      headers: () => [
        ['Authorization', `ApiKey ${API_KEY}`],
        ['authorization', bearer()],
      ],
    },
    {
      title: 'the same bearer twice',
      headers: () => [
        ['authorization', bearer()],
        ['Authorization', bearer()],
      ],
    },
    {
      title: 'Authorization and X-API-Key',
      headers: () => [
        ['authorization', bearer()],
        ['x-api-key', API_KEY],
      ],
    },
    {
      title: 'two X-API-Key',
      headers: () => [
        ['x-api-key', API_KEY],
        ['X-Api-Key', API_KEY],
      ],
    },
    { title: 'one comma-joined Authorization', headers: () => [['authorization', `${bearer()}, ApiKey ${API_KEY}`]] },
  ];
  for (const c of combinations) {
    it(`${c.title} → 401 AMBIGUOUS_CREDENTIALS`, async () => {
      const response = await send({ path: '/graphql', headers: [...base, ...c.headers()], body: QUERY });
      expectRefused(response, { status: 401, code: 'UNAUTHENTICATED', reason: 'AMBIGUOUS_CREDENTIALS' });
    });
  }

  it('through yoga.fetch, whose Headers join duplicates with ", ", too; one credential passes (control)', async () => {
    const headers = new Headers(base);
    headers.append('authorization', bearer());
    headers.append('authorization', `ApiKey ${API_KEY}`);
    const response = await stack.gateway.yoga.fetch('http://gateway/graphql', { method: 'POST', headers, body: QUERY });
    expect(response.status).toBe(401);
    expect((await response.json()).errors[0].extensions.reason).toBe('AMBIGUOUS_CREDENTIALS');
    for (const credential of [
      ['authorization', bearer()],
      ['x-api-key', API_KEY],
    ] as Array<[string, string]>) {
      const one = await send({ path: '/graphql', headers: [...base, credential], body: QUERY });
      expect(one.json?.data?.sources, one.text).toHaveLength(DEMO_SOURCE_COUNT);
    }
  });
});

describe('logs: every line of a request carries its request id', () => {
  it('the refusals above logged nothing without a request id', () => {
    const lines = stack.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const perRequest = lines.filter((line) => line.yoga !== undefined || (line.level as number) >= 40);
    expect(perRequest.length).toBeGreaterThan(0);
    for (const line of perRequest) expect(line, JSON.stringify(line)).toHaveProperty('requestId');
  });

  it('an unexpected error that yoga masks is logged once, with the request id of the request that met it', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }),
    });
    const errorLog = unexpectedErrorLogging(logger);
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { broken: Int }',
        resolvers: {
          Query: {
            broken: () => {
              throw new RangeError('Maximum call stack size exceeded');
            },
          },
        },
      }),
      maskedErrors: { maskError: errorLog.maskError },
      logging: errorLog.yogaLogger,
      plugins: [useRequestId(), errorLog.plugin],
    });
    const server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await rawRequest(url, {
        path: '/graphql',
        headers: [
          ['content-type', 'application/json'],
          ['x-request-id', 'req-42'],
        ],
        body: '{"query":"{ broken }"}',
      });
      expect(response.json?.errors?.[0]?.message).toBe('Unexpected error.');
      const errorLines = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => (line.level as number) >= 50);
      expect(errorLines).toEqual([
        expect.objectContaining({
          requestId: 'req-42',
          error: 'RangeError: Maximum call stack size exceeded',
          path: ['broken'],
        }),
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
