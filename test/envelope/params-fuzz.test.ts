import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, type RawRequest, type RawResponse } from '../helpers/raw-http.js';
import { startStack, type Stack } from '../helpers/stack.js';

/**
 * The four GraphQL-over-HTTP parameters (`query`, `operationName`, `variables`, `extensions`) with
 * arbitrary JSON values, in a JSON body and in a GET query string, over real sockets. The gateway
 * runs as shipped (the response cache on, whose key reads the parameters) with a persisted-operations
 * list that also allows arbitrary operations (another reader of `extensions`). A parameter of the
 * wrong type is 400 BAD_REQUEST (MALFORMED_PARAMS) naming it; nothing is ever a 5xx; every answer
 * is JSON with a code when it is not a 200; well-typed parameters (null included, as the spec
 * requires) run. Seeded: FUZZ_SEED=<n> replays a run, FUZZ_RUNS scales it.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202) + 100;
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);

const PARAMETER_TYPES = {
  query: 'string',
  operationName: 'string',
  variables: 'object',
  extensions: 'object',
} as const;
type Parameter = keyof typeof PARAMETER_TYPES;
const PARAMETERS = Object.keys(PARAMETER_TYPES) as Parameter[];

const DOCUMENT = 'query Q($skip: Boolean = false) { sources { id } kind: __typename @skip(if: $skip) }';
const PERSISTED = 'query Persisted { sources { id } }';
const PERSISTED_HASH = createHash('sha256').update(PERSISTED).digest('hex');
const VALID = { query: DOCUMENT, operationName: 'Q', variables: {}, extensions: {} };

const jsonTypeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);
/** Neither absent, null, nor of the parameter's type. */
const wrongType = (parameter: Parameter, value: unknown) =>
  value !== undefined && value !== null && jsonTypeOf(value) !== PARAMETER_TYPES[parameter];

let stack: Stack;
let credential: [string, string];
let requests = 0;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sgw-params-')), 'operations.json');
  writeFileSync(file, JSON.stringify({ [PERSISTED_HASH]: PERSISTED }));
  stack = await startStack({
    configure: (config) => {
      // As shipped: the sources' default cache policy, hence the response cache.
      for (const source of config.sources) delete source.cache;
      config.limits.persistedOperations = { file, allowArbitraryOperations: true };
    },
  });
  credential = ['authorization', stack.authHeaders.authorization];
  console.log(`parameter fuzz: seed ${SEED - 100} (replay with FUZZ_SEED=${SEED - 100}), runs ×${SCALE}`);
});
afterAll(async () => {
  console.log(`parameter fuzz: ${requests} requests`);
  await stack?.close();
});

const accept = fc.constantFrom('application/json', 'application/graphql-response+json');

function post(body: string, acceptHeader: string): Promise<RawResponse> {
  return send({
    path: '/graphql',
    headers: [['content-type', 'application/json'], ['accept', acceptHeader], credential],
    body,
  });
}

function get(search: URLSearchParams, acceptHeader: string): Promise<RawResponse> {
  return send({
    method: 'GET',
    path: `/graphql?${search}`,
    headers: [['accept', acceptHeader], ['x-graphql-yoga-csrf', '1'], credential],
  });
}

/** Sends, then checks what every answer must be: below 500, JSON, a code on every error, a code when not a 200. */
async function send(request: RawRequest): Promise<RawResponse> {
  const response = await rawRequest(stack.server.url, request);
  requests++;
  const what = `${request.method ?? 'POST'} ${request.path.slice(0, 300)} ${String(request.body ?? '').slice(0, 300)}\n→ ${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBeLessThan(500);
  expect(response.json, what).not.toBeNull();
  if (response.status !== 200) expect(response.json?.errors?.[0]?.extensions?.code, what).toBeTruthy();
  for (const error of response.json?.errors ?? []) {
    expect(error.extensions?.code, what).toBeTruthy();
    expect(error.extensions?.code, what).not.toBe('INTERNAL_SERVER_ERROR');
  }
  expect(response.text, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+|Unexpected error/);
  return response;
}

function expectMalformed(response: RawResponse, parameter?: Parameter): void {
  const what = `${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBe(400);
  expect(response.json?.data, what).toBeUndefined();
  expect(response.json?.errors?.[0]?.extensions, what).toMatchObject({
    code: 'BAD_REQUEST',
    reason: 'MALFORMED_PARAMS',
    ...(parameter && { parameter }),
  });
}

function expectRan(response: RawResponse): void {
  const what = `${response.status} ${response.text.slice(0, 300)}`;
  expect(response.status, what).toBe(200);
  expect(response.json?.errors, what).toBeUndefined();
  expect(response.json?.data?.sources?.length, what).toBeGreaterThan(0);
}

describe('GraphQL-over-HTTP parameters (fast-check, seeded)', () => {
  it('a JSON body with any JSON value in one parameter: the wrong type is 400 MALFORMED_PARAMS naming it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...PARAMETERS),
        fc.jsonValue({ maxDepth: 3 }),
        accept,
        async (parameter, value, a) => {
          const response = await post(JSON.stringify({ ...VALID, [parameter]: value }), a);
          if (wrongType(parameter, value)) expectMalformed(response, parameter);
          // The spec's MUST: a null operationName, variables or extensions is as if absent.
          else if (value === null && parameter !== 'query') expectRan(response);
        },
      ),
      {
        seed: SEED,
        numRuns: 400 * SCALE,
        endOnFailure: true,
        // The answers of issue 19 (a 500 for `{"query": 5}`), and the spec's nulls, always among the runs.
        examples: [
          ['query', 5, 'application/json'],
          ['operationName', 5, 'application/json'],
          ['operationName', ['Q'], 'application/graphql-response+json'],
          ['variables', 'x', 'application/json'],
          ['extensions', [], 'application/json'],
          ['operationName', null, 'application/json'],
          ['variables', null, 'application/json'],
          ['extensions', null, 'application/graphql-response+json'],
        ],
      },
    );
  });

  it('a JSON body holding any JSON value, or any mix of the four parameters', async () => {
    const params = fc.dictionary(fc.constantFrom(...PARAMETERS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(params, fc.jsonValue({ maxDepth: 3 })), accept, async (body, a) => {
        const response = await post(JSON.stringify(body), a);
        const isParams = typeof body === 'object' && body !== null && !Array.isArray(body);
        if (isParams && PARAMETERS.some((p) => wrongType(p, (body as Record<string, unknown>)[p])))
          expectMalformed(response);
        else if (!isParams) expect(response.status).toBe(400);
      }),
      { seed: SEED + 1, numRuns: 300 * SCALE, endOnFailure: true },
    );
  });

  it('a GET query string with any text in one parameter: JSON of the wrong type or not JSON at all is 400 MALFORMED_PARAMS', async () => {
    const text = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 60 }),
      fc.constantFrom('null', '5', '[]', '"x"', 'true', 'notjson', '{', '{}'),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PARAMETERS), text, accept, async (parameter, value, a) => {
        const search = new URLSearchParams({ query: DOCUMENT, operationName: 'Q', variables: '{"skip":true}' });
        search.set(parameter, value);
        const response = await get(search, a);
        // Yoga reads an empty parameter as an absent one; query and operationName are always strings.
        if (value === '' || parameter === 'query' || parameter === 'operationName') return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          expectMalformed(response);
          return;
        }
        if (wrongType(parameter, parsed)) expectMalformed(response, parameter);
        else if (parsed === null) expectRan(response);
      }),
      {
        seed: SEED + 2,
        numRuns: 400 * SCALE,
        endOnFailure: true,
        examples: [
          ['variables', '5', 'application/json'],
          ['extensions', '[]', 'application/json'],
          ['variables', 'notjson', 'application/graphql-response+json'],
          ['variables', 'null', 'application/json'],
        ],
      },
    );
  });

  it('well-typed parameters run, over POST and GET, null and absent alike, persisted or not', async () => {
    const optional = <T>(value: fc.Arbitrary<T>) =>
      fc.oneof(fc.constant(undefined), fc.constant(null), value) as fc.Arbitrary<T | null | undefined>;
    // Extensions a client may send for itself; `persistedQuery` is the one this gateway reads.
    const extensions = fc.dictionary(
      fc.string({ maxLength: 8 }).filter((key) => key !== 'persistedQuery' && key !== '__proto__'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 3 },
    );
    const params = fc.oneof(
      fc.record({
        query: fc.constant(DOCUMENT),
        operationName: optional(fc.constant('Q')),
        variables: optional(fc.record({ skip: fc.boolean() }, { requiredKeys: [] })),
        extensions: optional(extensions),
      }),
      fc.record({
        query: fc.constantFrom(undefined, null),
        operationName: optional(fc.constant('Persisted')),
        variables: optional(fc.constant({})),
        extensions: fc.constant({ persistedQuery: { version: 1, sha256Hash: PERSISTED_HASH } }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(params, fc.boolean(), accept, async (p, overGet, a) => {
        if (overGet) {
          const search = new URLSearchParams();
          for (const parameter of PARAMETERS) {
            const value = p[parameter];
            if (value == null) continue;
            search.set(parameter, typeof value === 'string' ? value : JSON.stringify(value));
          }
          expectRan(await get(search, a));
        } else {
          expectRan(await post(JSON.stringify(p), a));
        }
      }),
      { seed: SEED + 3, numRuns: 300 * SCALE, endOnFailure: true },
    );
  });
});
