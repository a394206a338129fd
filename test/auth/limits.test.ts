import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getIntrospectionQuery } from 'graphql';
import { encodeGlobalId } from '../../src/schema/builder.js';
import { EXAMPLE_TABS } from '../../src/server/examples.js';
import { SOURCE, DEMO_SOURCE_COUNT } from '../helpers/expected.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { allUpstreamCalls, gatewayOn, post, type RawResponse } from './helpers.js';

const KMS_DETAIL =
  'description arn encryptionKeyId automaticRotation rotationInterval lastRotationDate nextRotationDate extendedConfig dkmsInstanceId value { secretData }';
const CSMS_DETAIL =
  'autoRotation rotationPeriod rotationConfig rotationTime nextRotationTime eventSubscriptions enterpriseProjectId rotationFuncUrn value { secretString }';
const SAE_DETAIL = 'dataKeys data { key }';
/** Per node: 1 + type 1 + KMS 10 + CSMS 9 + SAE 2 = 23 upstream calls at most; two such connections. */
const PER_NODE = 23;
const detailQuery = (first: number) => {
  const connection = `secrets(first: ${first}) { nodes { name type ... on KmsSecret { ${KMS_DETAIL} } ... on CsmsSecret { ${CSMS_DETAIL} } ... on SaeSecret { ${SAE_DETAIL} } } }`;
  return `{ all: ${connection} again: ${connection.replace('secrets(', 'secrets(filter: { sources: ["kms-demo"] }, ')} }`;
};

describe('query limits: rejected before execution, with a stable code, never a 500, never a cloud call', () => {
  let stack: Stack;
  const send = (query: string, variables: Record<string, unknown> = {}) =>
    post(stack.server.url, { query, variables }, stack.authHeaders);

  function expectLimit(response: RawResponse, reason: string): void {
    expect(response.status, response.text).toBeLessThan(500);
    expect(response.body?.data ?? null).toBeNull();
    expect(response.body?.errors?.length).toBeGreaterThan(0);
    expect(response.body?.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', reason });
    expect(typeof response.body?.errors?.[0]?.extensions?.limit).toBe('number');
    expect(allUpstreamCalls(stack)).toBe(0);
  }

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounters());

  it('depth: a query nested past 10 levels', async () => {
    const deep =
      '{ secrets { nodes { namespace { source { namespaces { source { namespaces { source { namespaces { source { id } } } } } } } } } } }';
    const response = await send(deep);
    expectLimit(response, 'MAX_DEPTH');
    expect(response.status).toBe(400);
    expect(response.body?.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/);
    // Deep through fragments counts the same.
    const viaFragments = `{ secrets { nodes { ...A } } } fragment A on Secret { namespace { source { ...B } } } fragment B on Source { namespaces { source { namespaces { source { namespaces { id } } } } } }`;
    expectLimit(await send(viaFragments), 'MAX_DEPTH');
  });

  it('aliases: 1,000 aliases in one document', async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: name`).join(' ');
    const response = await send(`{ secrets(first: 1) { nodes { ${aliases} } } }`);
    expectLimit(response, 'MAX_ALIASES');
    expect(response.body?.errors?.[0]?.message).toMatch(/Aliases limit of 30 exceeded, found 1000/);
    // 1,000 aliased root connections: stopped even earlier, at the token limit.
    const roots = Array.from({ length: 1000 }, (_, i) => `s${i}: secrets(first: 100) { totalCount }`).join(' ');
    const rootsResponse = await send(`{ ${roots} }`);
    expect(rootsResponse.body?.errors?.[0]?.extensions?.code).toBe('QUERY_LIMIT_EXCEEDED');
    expect(allUpstreamCalls(stack)).toBe(0);
  });

  it('document size: a body over 64 KiB is 413 (from its Content-Length, or counted while it streams); a long document over 5,000 tokens is refused at parse', async () => {
    const huge = await send(`{ sources { id } } # ${'x'.repeat(70_000)}`);
    expect(huge.status).toBe(413);
    expect(huge.body?.errors?.[0]?.extensions).toMatchObject({
      code: 'QUERY_LIMIT_EXCEEDED',
      reason: 'MAX_BODY_BYTES',
      limit: 65_536,
    });
    // A streamed (chunked) body has no length to check up front: it is counted as it arrives.
    const chunkedBody = (text: string) =>
      fetch(`${stack.server.url}/graphql`, {
        method: 'POST',
        headers: { ...stack.authHeaders, 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            const bytes = new TextEncoder().encode(text);
            for (let at = 0; at < bytes.length; at += 8192) controller.enqueue(bytes.subarray(at, at + 8192));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const chunked = await chunkedBody(JSON.stringify({ query: '{ sources { id } }' }));
    expect(chunked.status).toBe(200);
    expect((await chunked.json()).data.sources).toHaveLength(DEMO_SOURCE_COUNT);
    const chunkedHuge = await chunkedBody(JSON.stringify({ query: `{ sources { id } } # ${'x'.repeat(70_000)}` }));
    expect(chunkedHuge.status).toBe(413);
    expect((await chunkedHuge.json()).errors[0].extensions).toMatchObject({
      code: 'QUERY_LIMIT_EXCEEDED',
      reason: 'MAX_BODY_BYTES',
      limit: 65_536,
    });
    const tokens = await send(`{ sources { ${Array.from({ length: 6000 }, () => 'id').join(' ')} } }`);
    expectLimit(tokens, 'MAX_TOKENS');
    expect(tokens.body?.errors?.[0]?.message).toMatch(/Token limit of 5000 exceeded/);
    expect(allUpstreamCalls(stack)).toBe(0);
  });

  it('a Content-Length that is not one length (a fetch Headers joins duplicates with ", ") is 400 BAD_REQUEST; one that is, passes', async () => {
    const body = JSON.stringify({ query: '{ sources { id } }' });
    const post = (contentLength: string) =>
      stack.gateway.yoga.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { ...stack.authHeaders, 'content-type': 'application/json', 'content-length': contentLength },
        body,
      });
    const doubled = await post(`${body.length}, ${body.length}`);
    expect(doubled.status).toBe(400);
    expect((await doubled.json()).errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST' });
    const single = await post(String(body.length));
    expect(single.status).toBe(200);
    expect((await single.json()).data.sources).toHaveLength(DEMO_SOURCE_COUNT);
    // On the wire, as a proxy may pass it on: the length twice, or once with a second value. Never served, never a 500.
    for (const lengths of [
      [String(body.length), String(body.length)],
      [String(body.length), '70000'],
    ]) {
      const wire = await rawRequest(stack.server.url, {
        path: '/graphql',
        headers: [
          ...Object.entries(stack.authHeaders),
          ['content-type', 'application/json'],
          ...lengths.map((length): [string, string] => ['content-length', length]),
        ],
        body,
      });
      expect(wire.status, lengths.join(', ')).toBeGreaterThanOrEqual(400);
      expect(wire.status, lengths.join(', ')).toBeLessThan(500);
      expect(wire.json?.data, lengths.join(', ')).toBeUndefined();
    }
    expect(allUpstreamCalls(stack)).toBe(0);
  });

  it('breadth: more than 300 field selections', async () => {
    const response = await send(
      `{ secrets(first: 1) { nodes { ${Array.from({ length: 320 }, () => 'name').join(' ')} } } }`,
    );
    expectLimit(response, 'MAX_BREADTH');
  });

  it('directives: more than 50', async () => {
    expectLimit(
      await send(`{ sources { id ${Array.from({ length: 60 }, () => '@include(if: true)').join(' ')} } }`),
      'MAX_DIRECTIVES',
    );
  });

  it('cost: two pages of 100 asking every detail and value field are refused; pages of 20 pass', async () => {
    const response = await send(detailQuery(100));
    expectLimit(response, 'MAX_COST');
    expect(response.body?.errors?.[0]?.extensions).toMatchObject({ limit: 2500, found: 2 * 100 * PER_NODE });
    expect(response.body?.errors?.[0]?.message).toMatch(/upstream calls/);
    const ok = await send(detailQuery(20));
    expect(ok.status).toBe(200);
    expect(ok.body?.errors).toBeUndefined();
  });

  it('cost: variables count (page size from $first), and so do lookups by id and federation references', async () => {
    const byVariable = await send(
      `query($n: Int) { secrets(first: $n) { nodes { name ... on KmsSecret { ${KMS_DETAIL} } ... on CsmsSecret { ${CSMS_DETAIL} } ... on SaeSecret { ${SAE_DETAIL} } } } }`,
      { n: 10 },
    );
    expect(byVariable.body?.errors).toBeUndefined();
    stack.resetCounters();
    const twoByVariable = await send(
      `query($n: Int) { a: secrets(first: $n) { nodes { ...D } } b: secrets(last: $n) { nodes { ...D } } } fragment D on Secret { name ... on KmsSecret { ${KMS_DETAIL} } ... on CsmsSecret { ${CSMS_DETAIL} } ... on SaeSecret { ${SAE_DETAIL} } }`,
      { n: 100 },
    );
    expectLimit(twoByVariable, 'MAX_COST');
    // A document that passed with small variables is measured again with large ones (passes are
    // remembered per document, variables and grant).
    const sameTwo = `query($n: Int) { a: secrets(first: $n) { nodes { ...D } } b: secrets(last: $n) { nodes { ...D } } } fragment D on Secret { name ... on KmsSecret { ${KMS_DETAIL} } ... on CsmsSecret { ${CSMS_DETAIL} } ... on SaeSecret { ${SAE_DETAIL} } }`;
    const limitCodes = (response: Awaited<ReturnType<typeof send>>) =>
      (response.body?.errors ?? []).filter((e) => e.extensions?.code === 'QUERY_LIMIT_EXCEEDED');
    expect(limitCodes(await send(sameTwo, { n: 5 }))).toEqual([]);
    expect(limitCodes(await send(sameTwo, { n: 5 }))).toEqual([]);
    stack.resetCounters();
    expectLimit(await send(sameTwo, { n: 100 }), 'MAX_COST');
    const id = encodeGlobalId('KmsSecret', JSON.stringify([SOURCE.kms, stack.emulators.data.kms.regionId, 'x']));
    const ids = Array.from({ length: 300 }, () => id);
    expectLimit(
      await send(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on KmsSecret { ${KMS_DETAIL} } } }`, { ids }),
      'MAX_COST',
    );
    const representations = Array.from({ length: 300 }, () => ({ __typename: 'KmsSecret', id }));
    expectLimit(
      await send(`query($r: [_Any!]!) { _entities(representations: $r) { ... on KmsSecret { ${KMS_DETAIL} } } }`, {
        r: representations,
      }),
      'MAX_COST',
    );
  });

  it('first: 101, last: 1000 and first: -1 are BAD_USER_INPUT before any call', async () => {
    for (const args of ['first: 101', 'last: 1000', 'first: -1', 'first: 100000000']) {
      const response = await send(`{ secrets(${args}) { nodes { name } } }`);
      expect(response.status).toBeLessThan(500);
      expect(response.body?.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'INVALID_ARGUMENT',
      });
      expect(response.body?.errors?.[0]?.message).toMatch(/between 1 and 100/);
    }
    expect(allUpstreamCalls(stack)).toBe(0);
  });

  it('CSRF: a GET or a text/plain POST with neither a credential nor the CSRF header is refused; JSON POSTs, and GETs with either header, pass', async () => {
    const url = `${stack.server.url}/graphql?query=${encodeURIComponent('{ sources { id } }')}`;
    const get = await fetch(url, { headers: { accept: 'application/json' } });
    expect(get.status).toBe(403);
    expect((await get.json()).errors[0].extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'CSRF_PREVENTED' });
    const textPlain = await post(stack.server.url, JSON.stringify({ query: '{ sources { id } }' }), {
      'content-type': 'text/plain',
    });
    expect(textPlain.status).toBe(403);
    expect(textPlain.body?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'CSRF_PREVENTED' });
    const form = await post(stack.server.url, 'query=%7B%20sources%20%7B%20id%20%7D%20%7D', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(403);
    expect(allUpstreamCalls(stack)).toBe(0);
    // A credential header, like the CSRF header, is one a browser sends across origins only after a preflight.
    const withCredential = await fetch(url, { headers: { ...stack.authHeaders, accept: 'application/json' } });
    expect(withCredential.status).toBe(200);
    const withHeader = await fetch(url, {
      headers: { ...stack.authHeaders, accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(withHeader.status).toBe(200);
    expect((await withHeader.json()).data.sources).toHaveLength(DEMO_SOURCE_COUNT);
  });

  it('what GraphiQL sends passes every limit: its introspection query and the example tabs', async () => {
    const introspection = await send(
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      }),
    );
    expect(introspection.body?.errors).toBeUndefined();
    for (const tab of EXAMPLE_TABS) {
      const response = await send(tab.query);
      expect(response.body?.errors?.filter((e) => e.extensions?.code === 'QUERY_LIMIT_EXCEEDED') ?? []).toEqual([]);
      expect(response.status).toBe(200);
    }
  });

  it('introspection is on by default (GraphiQL needs it)', async () => {
    const response = await send('{ __schema { queryType { name } } }');
    expect(response.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  describe('introspection off', () => {
    let gateway: Awaited<ReturnType<typeof gatewayOn>>;
    beforeAll(async () => {
      gateway = await gatewayOn(stack, (config) => {
        config.limits.introspection = false;
      });
    });
    afterAll(() => gateway.close());

    it('introspection queries are refused, field suggestions are hidden, ordinary queries work', async () => {
      const schemaQuery = await post(gateway.url, { query: '{ __schema { types { name } } }' }, stack.authHeaders);
      expect(schemaQuery.status).toBe(400);
      expect(schemaQuery.body?.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(schemaQuery.body?.errors?.[0]?.message).toMatch(/introspection has been disabled/);
      const typeQuery = await post(
        gateway.url,
        { query: '{ __type(name: "Query") { fields { name } } }' },
        stack.authHeaders,
      );
      expect(typeQuery.body?.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const typo = await post(gateway.url, { query: '{ sourcez { id } }' }, stack.authHeaders);
      expect(typo.body?.errors?.[0]?.message).not.toMatch(/Did you mean/);
      const ok = await post(gateway.url, { query: '{ sources { id } }' }, stack.authHeaders);
      expect(ok.body?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
    });
  });

  describe('persisted operations', () => {
    const document = 'query PortalSources { sources { id provider } }';
    const hash = createHash('sha256').update(document).digest('hex');
    const persisted = (sha256Hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash } } });
    let file: string;
    let only: Awaited<ReturnType<typeof gatewayOn>>;
    let mixed: Awaited<ReturnType<typeof gatewayOn>>;

    beforeAll(async () => {
      file = join(mkdtempSync(join(tmpdir(), 'sgw-ops-')), 'operations.json');
      writeFileSync(file, JSON.stringify({ [hash]: document }));
      only = await gatewayOn(stack, (config) => {
        config.limits.persistedOperations = { file, allowArbitraryOperations: false };
      });
      mixed = await gatewayOn(stack, (config) => {
        config.limits.persistedOperations = { file, allowArbitraryOperations: true };
      });
    });
    afterAll(async () => {
      await only.close();
      await mixed.close();
    });

    it('allow-list on: the listed operation runs by its hash; anything else is refused before a call', async () => {
      const listed = await post(only.url, persisted(hash), stack.authHeaders);
      expect(listed.body?.errors).toBeUndefined();
      expect(listed.body?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
      stack.resetCounters();
      const arbitrary = await post(only.url, { query: '{ secrets(first: 5) { nodes { name } } }' }, stack.authHeaders);
      expect(arbitrary.status).toBe(400);
      expect(arbitrary.body?.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
      const unknown = await post(only.url, persisted('0'.repeat(64)), stack.authHeaders);
      expect(unknown.status).toBe(400);
      expect(unknown.body?.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      const neither = await post(only.url, {}, stack.authHeaders);
      expect(neither.body?.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ID_REQUIRED');
      expect(allUpstreamCalls(stack)).toBe(0);
      // Credentials are still needed for persisted operations.
      expect((await post(only.url, persisted(hash))).status).toBe(401);
    });

    it('allow-list with arbitrary operations allowed, and off (the default): ordinary queries run', async () => {
      expect((await post(mixed.url, persisted(hash), stack.authHeaders)).body?.data?.sources).toHaveLength(
        DEMO_SOURCE_COUNT,
      );
      expect(
        (await post(mixed.url, { query: '{ sources { id } }' }, stack.authHeaders)).body?.data?.sources,
      ).toHaveLength(DEMO_SOURCE_COUNT);
      expect((await send('{ sources { id } }')).body?.data?.sources).toHaveLength(DEMO_SOURCE_COUNT);
    });

    it('a file whose hash does not match its document stops the gateway at start', async () => {
      const bad = join(mkdtempSync(join(tmpdir(), 'sgw-ops-')), 'operations.json');
      writeFileSync(bad, JSON.stringify({ ['a'.repeat(64)]: document }));
      await expect(
        gatewayOn(stack, (config) => {
          config.limits.persistedOperations = { file: bad, allowArbitraryOperations: false };
        }),
      ).rejects.toThrow(/is not the sha256 of its document/);
    });
  });
});
