import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawRequest, type RawResponse } from '../helpers/raw-http.js';

/**
 * Fuzzing the request envelope over real sockets: paths, methods, content types, transfer and
 * content encodings, JSON shapes and depths, variables, documents, headers and cursor strings.
 * Every answer is a 4xx or GraphQL errors with a known code, never a 5xx; a refused request costs
 * no upstream call (counted at the emulators); the gateway's RSS stays bounded (it runs in a
 * process of its own, gateway-process.ts); every log line of a request carries its request id.
 * Seeded: FUZZ_SEED=<n> replays a run, FUZZ_RUNS scales it.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const API_KEY = 'sgw_fuzz-key-0123456789abcdefghij';
/** Codes a client may see; anything else (INTERNAL_SERVER_ERROR, or none) is a defect. */
const STABLE_CODES = new Set([
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_LIMIT_EXCEEDED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
]);
/** Growth of the gateway's RSS over its warmed-up baseline (V8 alone moves it by ~90 MB here). */
const RSS_BOUND_BYTES = 128 * 1024 * 1024;
/** A body of megabytes must not move the gateway's RSS: it is refused unread (reading one costs its size several times over). */
const BIG_BODY_RSS_DELTA_BYTES = 16 * 1024 * 1024;

let gatewayProcess: ChildProcess;
let url = '';
let bearer = '';
let baselineRss = 0;
let peakRss = 0;
let requests = 0;
/** Log lines written before the first request (start-up). */
let startupLines = 0;

let nextId = 0;
/** One question to the gateway's process, answered over IPC. */
function ask<T>(message: { type: 'probe' } | { type: 'logs'; from: number }): Promise<T> {
  const id = ++nextId;
  return new Promise((resolve) => {
    const onMessage = (answer: { id?: number }) => {
      if (answer.id !== id) return;
      gatewayProcess.off('message', onMessage);
      resolve(answer as T);
    };
    gatewayProcess.on('message', onMessage);
    gatewayProcess.send({ ...message, id });
  });
}
const probe = () => ask<{ calls: number; rss: number }>({ type: 'probe' });

// ---- arbitraries ----------------------------------------------------------------------------

const deepJson = (open: string, close: string, leaf = '1') =>
  fc.integer({ min: 1, max: 6000 }).map((n) => `${open.repeat(n)}${leaf}${close.repeat(n)}`);

const jsonText = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  deepJson('[', ']'),
  deepJson('{"a":', '}'),
  fc.constantFrom(
    '',
    'null',
    '[]',
    '[{}]',
    '"x"',
    '1e999',
    '{',
    '{"query":',
    '{"query":null}',
    '{"query":1}',
    '{"query":{}}',
    '\u0000',
    '{"__proto__":{"x":1}}',
  ),
  fc.string({ maxLength: 200 }),
);

/** Client JSON as text: deep values are never built as objects here (fast-check would recurse on them to print them). */
const deepJsonText = fc
  .tuple(fc.integer({ min: 1, max: 6000 }), fc.boolean())
  .map(([n, lists]) =>
    lists ? `${'['.repeat(n)}"leaf"${']'.repeat(n)}` : `${'{"a":'.repeat(n)}"leaf"${'}'.repeat(n)}`,
  );

const variablesText = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .dictionary(fc.constantFrom('first', 'after', 'f', 'ids', 'r', 'n', 'x'), fc.jsonValue({ maxDepth: 5 }), {
        maxKeys: 4,
      })
      .map((v) => JSON.stringify(v)),
  },
  { weight: 1, arbitrary: deepJsonText.map((text) => `{"f":${text}}`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 900, max: 3000 })
      .map((n) => JSON.stringify({ ids: Array.from({ length: n }, (_, i) => `id-${i}`) })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 80_000 }).map((n) => JSON.stringify({ n: 'x'.repeat(n) })) },
  { weight: 1, arbitrary: fc.constantFrom('null', '"x"', '1', '[]', '[1,2]', 'true') },
);

/** Mostly the valid value, sometimes something else: most requests are off in one or two ways only. */
const mostly = <T, U>(valid: T, other: fc.Arbitrary<U>, weight = 4) =>
  fc.oneof({ weight, arbitrary: fc.constant(valid) }, { weight: 1, arbitrary: other });

const FIELDS = [
  'sources { id }',
  'secrets(first: 1) { totalCount }',
  'namespaces { namespaceId }',
  '__typename',
  'node(id: "x") { id }',
  'secret(id: "x") { id }',
];
const document = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', 'query', 'query Q', 'query ($x: ID)', 'query Q($f: SecretFilter, $first: Int)'),
        fc.subarray(FIELDS, { minLength: 1 }),
      )
      .map(([head, fields]) => `${head} { ${fields.join(' ')} }`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('mutation', 'subscription', 'mutation M', 'subscription S'),
        fc.subarray(FIELDS, { minLength: 1 }),
      )
      .map(([head, fields]) => `${head} { ${fields.join(' ')} }`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'query A { sources { id } } query B { sources { id } }',
      'fragment F on Source { id }',
      '{ sources { ...F } } fragment F on Source { id }',
      '{ _entities(representations: [{ __typename: "Nope" }]) { __typename } }',
      '{ _service { sdl } }',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).map((n) => `{${'a{'.repeat(n)}a${'}'.repeat(n + 1)}`) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 3000 })
      .map((n) => `{ secrets(filter: { names: ${'['.repeat(n)}"a"${']'.repeat(n)} }) { totalCount } }`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 9000 }).map((n) => `{ sources { ${'id '.repeat(n)}} }`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
);

// An empty cursor is no cursor (the first page), so it is left out.
const cursor = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 400 }),
    fc.base64String({ maxLength: 400 }),
    fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.base64String({ maxLength: 64 }))
      .map(([payload, mac]) => `${Buffer.from(JSON.stringify(payload ?? null)).toString('base64url')}.${mac}`),
    deepJson('[', ']').map((text) => `${Buffer.from(text).toString('base64url')}.AAAA`),
  )
  .filter((text) => text.length > 0);

type Credential =
  | 'bearer'
  | 'api-key-header'
  | 'api-key-scheme'
  | 'none'
  | 'bad-bearer'
  | 'bad-key'
  | 'two-authorization'
  | 'authorization-and-key'
  | 'two-keys'
  | 'comma-joined'
  | 'odd-scheme';
const credential = fc.constantFrom<Credential>(
  'bearer',
  'bearer',
  'bearer',
  'api-key-header',
  'api-key-scheme',
  'none',
  'bad-bearer',
  'bad-key',
  'two-authorization',
  'authorization-and-key',
  'two-keys',
  'comma-joined',
  'odd-scheme',
);

function credentialHeaders(kind: Credential): Array<[string, string]> {
  switch (kind) {
    case 'bearer':
      return [['authorization', bearer]];
    case 'api-key-header':
      return [['x-api-key', API_KEY]];
    case 'api-key-scheme':
      return [['authorization', `ApiKey ${API_KEY}`]];
    case 'none':
      return [];
    case 'bad-bearer':
      return [['authorization', `Bearer ${bearer.slice(7, -4)}AAAA`]];
    case 'bad-key':
      return [['x-api-key', `${API_KEY}x`]];
    case 'two-authorization':
      return [
        ['authorization', bearer],
        ['authorization', `ApiKey ${API_KEY}`],
      ];
    case 'authorization-and-key':
      return [
        ['authorization', bearer],
        ['x-api-key', API_KEY],
      ];
    case 'two-keys':
      return [
        ['x-api-key', API_KEY],
        ['x-api-key', API_KEY],
      ];
    case 'comma-joined':
      return [['authorization', `${bearer}, ApiKey ${API_KEY}`]];
    case 'odd-scheme':
      return [['authorization', `Basic ${Buffer.from('a:b').toString('base64')}`]];
  }
}

const path = fc.oneof(
  { weight: 5, arbitrary: fc.constant('/graphql') },
  // Paths yoga alone would serve GraphQL on.
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/graphql/',
      '//graphql',
      '/x?y=/graphql',
      '/api/graphql',
      '/./graphql',
      '/graphql?query=%7B',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/graphql;x',
      '/GRAPHQL',
      '/%2Fgraphql',
      '/graphql/..',
      '/healthz',
      '/readyz',
      '/metrics',
      '/',
      '*',
      'http://gateway/graphql',
    ),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^\/[A-Za-z0-9%;._~\-/?=&]{0,24}$/) },
);
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  { weight: 2, arbitrary: fc.constant('GET') },
  { weight: 1, arbitrary: fc.constantFrom('PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'QUERY') },
);
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'application/graphql+json',
      'application/graphql',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json, text/plain',
      '',
      'APPLICATION/JSON',
    ),
  },
);
const accept = fc.constantFrom(
  undefined,
  'application/json',
  'application/graphql-response+json',
  'text/event-stream',
  'text/html',
  '*/*',
  'multipart/mixed',
  'application/xml',
);
const encoding = fc.constantFrom<'length' | 'chunked' | 'gzip-declared' | 'gzip-garbage'>(
  'length',
  'length',
  'length',
  'chunked',
  'chunked',
  'gzip-declared',
  'gzip-garbage',
);
const bodySize = fc.oneof(
  { weight: 60, arbitrary: fc.constant(0) },
  { weight: 8, arbitrary: fc.integer({ min: 60_000, max: 300_000 }) },
  { weight: 1, arbitrary: fc.constant(4 * 1024 * 1024) },
  { weight: 1, arbitrary: fc.constant(24 * 1024 * 1024) },
);

interface EnvelopeCase {
  method: string;
  path: string;
  contentType: string;
  accept: string | undefined;
  encoding: 'length' | 'chunked' | 'gzip-declared' | 'gzip-garbage';
  credential: Credential;
  csrf: boolean;
  requestId: string | undefined;
  /** `variables` and `extensions` as JSON text. */
  body:
    | {
        kind: 'params';
        query: string | undefined;
        variables: string | undefined;
        operationName: string | undefined;
        extensions: string | undefined;
      }
    | { kind: 'raw'; text: string };
  padTo: number;
}

const envelopeCase: fc.Arbitrary<EnvelopeCase> = fc.record({
  method,
  path,
  contentType,
  accept,
  encoding,
  credential: mostly<Credential, Credential>('bearer', credential, 3),
  csrf: fc.boolean(),
  requestId: fc.option(
    fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
      fc.string({ maxLength: 200 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    ),
    { nil: undefined },
  ),
  body: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('params' as const),
        query: fc.option(document, { nil: undefined, freq: 10 }),
        variables: mostly(undefined, variablesText, 2),
        operationName: mostly(undefined, fc.constantFrom('Q', 'M', 'S', 'A', 'B', 'Nope', ''), 3),
        extensions: mostly(
          undefined,
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
            deepJsonText,
          ),
          4,
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: jsonText }) },
  ),
  padTo: bodySize,
});

/** `{"query": ..., "variables": ..., ...}` from its parts, members left out when absent; padded to `padTo` bytes. */
function paramsText(
  params: { query?: string; variables?: string; operationName?: string; extensions?: string },
  padTo = 0,
): string {
  const members = [
    params.query !== undefined && `"query":${JSON.stringify(params.query)}`,
    params.variables !== undefined && `"variables":${params.variables}`,
    params.operationName !== undefined && `"operationName":${JSON.stringify(params.operationName)}`,
    params.extensions !== undefined && `"extensions":${params.extensions}`,
  ].filter(Boolean);
  const text = `{${members.join(',')}}`;
  return padTo > text.length ? `{${[...members, `"pad":"${'x'.repeat(padTo - text.length)}"`].join(',')}}` : text;
}

function paramsBody(body: EnvelopeCase['body'], padTo: number): string {
  return body.kind === 'raw' ? body.text : paramsText(body, padTo);
}

function toRequest(c: EnvelopeCase): RawRequest {
  const headers: Array<[string, string]> = [...credentialHeaders(c.credential)];
  if (c.contentType) headers.push(['content-type', c.contentType]);
  if (c.accept) headers.push(['accept', c.accept]);
  if (c.csrf) headers.push(['x-graphql-yoga-csrf', '1']);
  if (c.requestId !== undefined) headers.push(['x-request-id', c.requestId]);
  const text = paramsBody(c.body, c.padTo);
  if (c.method === 'GET' || c.method === 'HEAD') {
    const params =
      c.body.kind === 'params'
        ? c.body
        : { query: c.body.text, variables: undefined, operationName: undefined, extensions: undefined };
    const search = new URLSearchParams();
    if (params.query !== undefined) search.set('query', params.query.slice(0, 6000));
    if (params.variables !== undefined) search.set('variables', params.variables.slice(0, 4000));
    if (params.operationName !== undefined) search.set('operationName', params.operationName);
    const separator = c.path.includes('?') ? '&' : '?';
    return { method: c.method, path: `${c.path}${separator}${search}`, headers };
  }
  let body: Buffer = Buffer.from(text);
  if (c.encoding === 'gzip-declared') {
    body = gzipSync(body);
    headers.push(['content-encoding', 'gzip']);
  }
  if (c.encoding === 'gzip-garbage') headers.push(['content-encoding', 'gzip']);
  return { method: c.method, path: c.path, headers, body, chunkSize: c.encoding === 'chunked' ? 8192 : undefined };
}

// ---- the checks every answer must pass ------------------------------------------------------

function describeCase(request: RawRequest): string {
  const body = request.body ? `${request.body.length} bytes: ${String(request.body).slice(0, 160)}` : '(no body)';
  return `${request.method} ${request.path.slice(0, 160)} ${JSON.stringify(request.headers?.map(([n, v]) => [n, v.slice(0, 24)]))} ${body}`;
}

const LIMIT_BYTES = 65_536;

async function sendAndCheck(request: RawRequest): Promise<RawResponse | null> {
  const before = await probe();
  const started = performance.now();
  let response: RawResponse | null;
  try {
    response = await rawRequest(url, request);
  } catch (error) {
    // An oversized upload may be cut off (EPIPE, reset) once the server has refused it unread.
    if ((request.body?.length ?? 0) <= LIMIT_BYTES) throw error;
    response = null;
  }
  if (process.env.FUZZ_TRACE && performance.now() - started > 100)
    console.log(`slow (${(performance.now() - started).toFixed(0)} ms): ${describeCase(request).slice(0, 200)}`);
  const after = await probe();
  const calls = after.calls - before.calls;
  requests++;
  peakRss = Math.max(peakRss, after.rss);
  if (process.env.FUZZ_TRACE && requests % 100 === 0)
    console.log(`${requests} requests: gateway RSS ${(after.rss / 2 ** 20).toFixed(0)} MB`);
  if ((request.body?.length ?? 0) > 1024 * 1024)
    expect(after.rss - before.rss, `gateway RSS growth for ${describeCase(request)}`).toBeLessThan(
      BIG_BODY_RSS_DELTA_BYTES,
    );
  if (!response) {
    expect(calls, `upstream calls for a refused upload: ${describeCase(request)}`).toBe(0);
    return null;
  }
  const what = `${describeCase(request)}\n→ ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBeGreaterThanOrEqual(200);
  expect(response.status, what).toBeLessThan(500);
  // GraphiQL's page (GET /graphql, Accept: text/html) is the one answer that is not JSON.
  if (!response.headers['content-type']?.includes('text/html'))
    expect(response.text, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|Unexpected error/);
  const errors = response.json?.errors;
  if (response.status < 400 && request.method !== 'HEAD' && response.headers['content-type']?.includes('json')) {
    // A 2xx GraphQL answer either has data or errors that each carry a known code.
    for (const error of errors ?? []) expect(STABLE_CODES, what).toContain(error.extensions?.code);
  }
  for (const error of errors ?? []) expect(error.extensions?.code, what).not.toBe('INTERNAL_SERVER_ERROR');
  // GraphQL is answered at one path only, and never for a body over the limit (a CORS preflight reads none).
  const graphqlPath =
    URL.canParse(`http://gateway${request.path}`) && new URL(`http://gateway${request.path}`).pathname === '/graphql';
  if (response.json && 'data' in response.json) expect(graphqlPath, what).toBe(true);
  if (graphqlPath && (request.body?.length ?? 0) > LIMIT_BYTES && request.method !== 'OPTIONS')
    expect(response.status, what).toBeGreaterThanOrEqual(400);
  // Refused: an HTTP error, or errors and no `data` at all (the request never executed).
  const refused = response.status >= 400 || (errors?.length && !(response.json && 'data' in response.json));
  if (refused) expect(calls, `upstream calls for a refused request: ${what}`).toBe(0);
  expect(after.rss - baselineRss, `gateway RSS after ${requests} requests`).toBeLessThan(RSS_BOUND_BYTES);
  return response;
}

beforeAll(async () => {
  gatewayProcess = fork(fileURLToPath(new URL('./gateway-process.ts', import.meta.url)), [], {
    // The memory settings `npm start` runs with (package.json, src/main.ts).
    execArgv: ['--max-semi-space-size=8', '--heap-growing-percent=50', '--import', 'tsx'],
    env: { ...process.env, FUZZ_API_KEY: API_KEY },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ url: string; authorization: string; logLines: number }>((resolve, reject) => {
    gatewayProcess.once('message', (message) => resolve(message as never));
    gatewayProcess.once('exit', (code) => reject(new Error(`the gateway process exited (${code})`)));
  });
  ({ url, authorization: bearer, logLines: startupLines } = ready);
  // Warm up before the baseline: compiled documents, connections, and GraphiQL's page (~45 MB once rendered).
  for (let i = 0; i < 5; i++)
    await rawRequest(url, {
      path: '/graphql',
      headers: [
        ['content-type', 'application/json'],
        ['authorization', bearer],
      ],
      body: '{"query":"{ sources { id } }"}',
    });
  await rawRequest(url, { method: 'GET', path: '/graphql', headers: [['accept', 'text/html']] });
  baselineRss = peakRss = (await probe()).rss;
  console.log(`envelope fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), runs ×${SCALE}`);
});

afterAll(async () => {
  console.log(
    `envelope fuzz: ${requests} requests, gateway RSS baseline ${(baselineRss / 2 ** 20).toFixed(0)} MB, peak ${(peakRss / 2 ** 20).toFixed(0)} MB (+${((peakRss - baselineRss) / 2 ** 20).toFixed(0)} MB, bound +${RSS_BOUND_BYTES / 2 ** 20} MB)`,
  );
  if (gatewayProcess?.connected) {
    const exited = new Promise((resolve) => gatewayProcess.once('exit', resolve));
    gatewayProcess.send({ type: 'stop' });
    await exited;
  }
});

describe('envelope fuzz (fast-check, seeded)', () => {
  it('whole requests: path, method, content type, encoding, headers, body shape and size', async () => {
    await fc.assert(
      fc.asyncProperty(envelopeCase, async (c) => {
        await sendAndCheck(toRequest(c));
      }),
      { seed: SEED, numRuns: 1200 * SCALE, endOnFailure: true },
    );
    // ~25 s alone on 2 cores; room for a machine that runs other suites beside it.
  }, 180_000);

  it('documents and variables on the GraphQL path, with a valid credential', async () => {
    const graphqlCase = fc.record({
      query: document,
      variables: fc.option(variablesText, { nil: undefined }),
      operationName: fc.option(fc.constantFrom('Q', 'M', 'S', 'A', 'Nope'), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        graphqlCase,
        fc.constantFrom('application/json', 'application/graphql-response+json'),
        async (params, acceptHeader) => {
          await sendAndCheck({
            path: '/graphql',
            headers: [['content-type', 'application/json'], ['accept', acceptHeader], ...credentialHeaders('bearer')],
            body: paramsText(params),
          });
        },
      ),
      { seed: SEED + 1, numRuns: 800 * SCALE, endOnFailure: true },
    );
  });

  it('cursor strings: refused as BAD_USER_INPUT before any upstream call', async () => {
    const query =
      'query($after: String, $before: String) { secrets(first: 2, after: $after, before: $before, filter: { providers: [ALIBABA_KMS] }) { edges { cursor } } }';
    await fc.assert(
      fc.asyncProperty(cursor, fc.boolean(), async (text, asBefore) => {
        const callsBefore = (await probe()).calls;
        const response = (await sendAndCheck({
          path: '/graphql',
          headers: [['content-type', 'application/json'], ...credentialHeaders('bearer')],
          body: JSON.stringify({ query, variables: asBefore ? { before: text } : { after: text } }),
        }))!;
        const codes = response.json?.errors?.map((e) => e.extensions?.code) ?? [];
        expect(codes.length, response.text).toBeGreaterThan(0);
        expect(
          codes.every((code) => code === 'BAD_USER_INPUT' || code === 'QUERY_LIMIT_EXCEEDED'),
          response.text,
        ).toBe(true);
        expect((await probe()).calls - callsBefore).toBe(0);
      }),
      { seed: SEED + 2, numRuns: 300 * SCALE, endOnFailure: true },
    );
  });

  it('every log line of those requests carries a request id', async () => {
    const { lines: written } = await ask<{ lines: string[] }>({ type: 'logs', from: startupLines });
    const lines = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line, JSON.stringify(line)).toHaveProperty('requestId');
    expect(lines.filter((line) => (line.level as number) >= 50)).toEqual([]);
  });
});
