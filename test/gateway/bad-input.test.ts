import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { parse, type GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  CoverageNamespaceDocument,
  CoverageNodeDocument,
  NamespaceSecretsPageDocument,
  NodesByIdDocument,
  SecretByIdDocument,
  SecretsPageDocument,
  type SecretFilter,
} from '../generated/graphql.js';
import { expectData, namespaceGlobalId, startStack, type ExecuteResult, type Stack } from '../helpers/stack.js';

/**
 * Input the gateway must refuse before calling any provider: malformed, tampered and foreign
 * cursors, page sizes out of range, malformed global IDs, oversized or control-character filter
 * text. Each is a client error (BAD_USER_INPUT or a GraphQL validation error), never an HTTP
 * 500, never a stack trace, and costs no upstream call.
 */

const STACK_TRACE = /\n\s+at\s|\bat\s+\S+\s+\([^)]*:\d+:\d+\)|\.(?:ts|js|mjs):\d+|node_modules/;

let stack: Stack;

function upstreamCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, server] of Object.entries(stack.emulators.servers)) {
    for (const [operation, stats] of Object.entries(server.getStats().operations))
      if (stats.calls > 0) out[`${name}.${operation}`] = stats.calls;
  }
  return out;
}

function expectClean(error: GraphQLFormattedError): void {
  expect(error.message).not.toMatch(STACK_TRACE);
  expect(JSON.stringify(error.extensions ?? {})).not.toMatch(STACK_TRACE);
}

/** One client error with the given reason, no HTTP 500, no stack trace, and no upstream call. */
function expectRejected(result: ExecuteResult<unknown>, want: { reason?: string; argument?: string } = {}): void {
  expect(result.status).not.toBe(500);
  expect(result.status).toBeLessThan(500);
  expect(result.errors?.length, 'an error is reported').toBeGreaterThan(0);
  for (const error of result.errors!) {
    expectClean(error);
    expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(error.extensions?.code);
  }
  const first = result.errors![0];
  if (want.reason) expect(first.extensions?.reason).toBe(want.reason);
  if (want.argument) expect(first.extensions?.argument).toBe(want.argument);
  expect(upstreamCalls()).toEqual({});
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

afterEach(() => {
  stack.emulators.reset();
});

/** A real cursor of `secrets(first: 2, filter)`, fetched before the counters are reset. */
async function cursorOf(filter: SecretFilter | null = null): Promise<string> {
  const page = expectData(await stack.execute(SecretsPageDocument, { first: 2, filter })).secrets;
  stack.resetCounters();
  return page.pageInfo.endCursor!;
}

describe('cursors', () => {
  it('garbage is MALFORMED_CURSOR', async () => {
    for (const after of ['garbage', '....', 'a.b.c', '%%%', '\u0000', 'x'.repeat(5000)]) {
      expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after }), {
        reason: 'MALFORMED_CURSOR',
        argument: 'after',
      });
    }
  });

  it('base64 of a JSON payload without the MAC is MALFORMED_CURSOR', async () => {
    const payload = b64(JSON.stringify({ v: 2, b: 'anything', s: JSON.stringify(['sae-demo', 'cn-hangzhou']), p: 0 }));
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after: payload }), {
      reason: 'MALFORMED_CURSOR',
    });
  });

  it('a forged MAC or an edited payload is refused (TAMPERED_CURSOR)', async () => {
    const real = await cursorOf();
    const [body, mac] = real.split('.');
    const forgedMac = `${body}.${'A'.repeat(mac.length)}`;
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after: forgedMac }), {
      reason: 'TAMPERED_CURSOR',
    });

    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = `${b64(JSON.stringify({ ...decoded, p: 400 }))}.${mac}`;
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after: edited }), {
      reason: 'TAMPERED_CURSOR',
    });
  });

  it('a cursor of another filter is FOREIGN_CURSOR', async () => {
    const cursor = await cursorOf({ nameContains: 'ledger' });
    expectRejected(
      await stack.execute(SecretsPageDocument, { first: 2, after: cursor, filter: { nameContains: 'order' } }),
      { reason: 'FOREIGN_CURSOR' },
    );
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after: cursor }), { reason: 'FOREIGN_CURSOR' });
  });

  it('a cursor of namespace.secrets used on secrets (and the reverse) is FOREIGN_CURSOR', async () => {
    const id = namespaceGlobalId('sae-demo', 'cn-hangzhou');
    const ns = expectData(await stack.execute(NamespaceSecretsPageDocument, { id, first: 2 })).namespace!;
    const nsCursor = ns.secrets.pageInfo.endCursor!;
    const topCursor = await cursorOf();
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after: nsCursor }), {
      reason: 'FOREIGN_CURSOR',
    });
    const reverse = await stack.execute(NamespaceSecretsPageDocument, { id, first: 2, after: topCursor });
    expect(reverse.errors?.map((e) => e.extensions?.reason)).toEqual(['FOREIGN_CURSOR']);
    expect(reverse.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    // Resolving the namespace itself may cost SAE its namespace list; no secret list is read.
    expect(stack.calls('sae', 'ListSecrets')).toBe(0);
  });

  it('an "after" cursor given as "before" is refused too', async () => {
    const cursor = await cursorOf({ providers: ['ALIBABA_KMS'] });
    const result = await stack.execute(SecretsPageDocument, { last: 2, before: cursor });
    // Bound to `first`/`after` or to another filter: either way a client error, never a crash.
    expectRejected(result);
  });
});

describe('page sizes and directions', () => {
  const cases: Array<{
    title: string;
    vars: { first?: number; last?: number; after?: string; before?: string };
    argument: string;
  }> = [
    { title: 'first: 0', vars: { first: 0 }, argument: 'first' },
    { title: 'first: 101', vars: { first: 101 }, argument: 'first' },
    { title: 'first: -1', vars: { first: -1 }, argument: 'first' },
    { title: 'last: 0', vars: { last: 0 }, argument: 'last' },
    { title: 'last: 101', vars: { last: 101 }, argument: 'last' },
    { title: 'first and last', vars: { first: 2, last: 2 }, argument: 'last' },
  ];
  for (const c of cases) {
    it(`${c.title} → BAD_USER_INPUT`, async () => {
      expectRejected(await stack.execute(SecretsPageDocument, { ...c.vars, filter: { providers: ['ALIBABA_KMS'] } }), {
        argument: c.argument,
      });
    });
  }

  it('after and before together, before with first, after with last → BAD_USER_INPUT', async () => {
    const cursor = await cursorOf({ providers: ['ALIBABA_KMS'] });
    const filter: SecretFilter = { providers: ['ALIBABA_KMS'] };
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, after: cursor, before: cursor, filter }));
    expectRejected(await stack.execute(SecretsPageDocument, { first: 2, before: cursor, filter }));
    expectRejected(await stack.execute(SecretsPageDocument, { last: 2, after: cursor, filter }));
  });

  it('a page size that is not a 32-bit integer is a GraphQL error, not a 500', async () => {
    const result = await stack.execute(SecretsPageDocument, { first: 1e12 });
    expect(result.status).toBeLessThan(500);
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors!) expectClean(error);
    expect(upstreamCalls()).toEqual({});
  });

  it('variables of the wrong type (string for Int, unknown enum value) carry a code a client can switch on', async () => {
    for (const variables of [
      { first: 'ten' },
      { first: 2, filter: { providers: ['GCP_SECRET_MANAGER'] } },
      { first: 2, filter: { tags: [{ value: 'prod' }] } },
    ]) {
      const result = await stack.execute(SecretsPageDocument, variables as never);
      expect(result.status).toBeLessThan(500);
      expect(result.errors?.length).toBeGreaterThan(0);
      for (const error of result.errors!) expectClean(error);
      expect(upstreamCalls()).toEqual({});
      expect(result.errors!.map((e) => e.extensions?.code)).toEqual(
        result.errors!.map(() => expect.stringMatching(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/)),
      );
    }
  });

  it('backward pagination over CSMS (marker paging) is BACKWARD_PAGINATION_UNSUPPORTED, before any call', async () => {
    expectRejected(await stack.execute(SecretsPageDocument, { last: 5, filter: { providers: ['HUAWEI_CSMS'] } }), {
      reason: 'BACKWARD_PAGINATION_UNSUPPORTED',
    });

    const page = expectData(
      await stack.execute(SecretsPageDocument, { first: 2, filter: { providers: ['HUAWEI_CSMS'] } }),
    ).secrets;
    stack.resetCounters();
    expectRejected(
      await stack.execute(SecretsPageDocument, {
        last: 2,
        before: page.pageInfo.endCursor,
        filter: { providers: ['HUAWEI_CSMS'] },
      }),
      {
        reason: 'BACKWARD_PAGINATION_UNSUPPORTED',
      },
    );
  });

  it('backward pagination over a page-number provider works (control case)', async () => {
    const page = expectData(
      await stack.execute(SecretsPageDocument, { last: 5, filter: { providers: ['ALIBABA_KMS'] } }),
    ).secrets;
    expect(page.edges.map((e) => e.node.name)).toEqual(
      stack.emulators.data.kms.secrets.slice(-5).map((s) => s.SecretName),
    );
    expect(page.pageInfo.hasPreviousPage).toBe(true);
  });
});

describe('global IDs', () => {
  const malformed: Array<{ title: string; id: string }> = [
    { title: 'garbage', id: '!!!not-an-id!!!' },
    { title: 'empty', id: '' },
    { title: 'too long', id: 'A'.repeat(5000) },
    { title: 'base64 of an unknown type', id: b64('Foo:["sae-demo","cn-hangzhou","1"]') },
    { title: 'base64 without a type', id: b64('["sae-demo","cn-hangzhou","1"]') },
    { title: 'valid secret type, bad JSON', id: b64('SaeSecret:{not json') },
    { title: 'valid secret type, wrong arity', id: b64('KmsSecret:["kms-demo"]') },
    { title: 'valid secret type, parts not strings', id: b64('CsmsSecret:[1,2,3]') },
    { title: 'valid secret type, empty parts', id: b64('ApigSecret:["","",""]') },
  ];
  const namespaceIds: Array<{ title: string; id: string }> = [
    { title: 'garbage', id: '!!!' },
    { title: 'base64 of an unknown type', id: b64('Foo:["sae-demo","cn-hangzhou"]') },
    { title: 'Namespace type, bad JSON', id: b64('Namespace:{not json') },
    { title: 'Namespace type, wrong arity', id: b64('Namespace:["sae-demo","cn-hangzhou","extra"]') },
    { title: 'Namespace type, JSON object', id: b64('Namespace:{"source":"sae-demo"}') },
  ];

  for (const c of malformed) {
    it(`${c.title}: node, nodes and secret → BAD_USER_INPUT`, async () => {
      expectRejected(await stack.execute(CoverageNodeDocument, { id: c.id }), { reason: 'INVALID_ID' });
      expectRejected(await stack.execute(NodesByIdDocument, { ids: [c.id] }), { reason: 'INVALID_ID' });
      expectRejected(await stack.execute(SecretByIdDocument, { id: c.id }), { reason: 'INVALID_ID' });
    });
  }

  for (const c of namespaceIds) {
    it(`${c.title}: namespace and node → BAD_USER_INPUT`, async () => {
      expectRejected(await stack.execute(CoverageNamespaceDocument, { id: c.id }), { reason: 'INVALID_ID' });
      expectRejected(await stack.execute(CoverageNodeDocument, { id: c.id }), { reason: 'INVALID_ID' });
    });
  }

  it('RelatedApp type with bad JSON → BAD_USER_INPUT', async () => {
    expectRejected(await stack.execute(CoverageNodeDocument, { id: b64('RelatedApp:[oops') }), {
      reason: 'INVALID_ID',
    });
  });

  it('nodes: each malformed ID is null with an error at its own index; the good IDs around it resolve', async () => {
    const good = namespaceGlobalId('kms-demo', stack.emulators.data.kms.regionId);
    const ids = [good, '%%%', ...malformed.map((c) => c.id), good];
    const result = await stack.execute(NodesByIdDocument, { ids });
    expect(result.status).toBe(200);
    expect(result.data?.nodes.map((n) => (n && 'id' in n ? n.id : null))).toEqual(
      ids.map((id, i) => (i === 0 || i === ids.length - 1 ? good : null)),
    );
    expect(result.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.reason])).toEqual(
      ids.slice(1, -1).map((_, i) => [['nodes', i + 1], 'BAD_USER_INPUT', 'INVALID_ID']),
    );
    for (const error of result.errors!) expectClean(error);
  });

  it('nodes: a bad last ID keeps its null, whether nodes is asked directly or through fragments', async () => {
    const good = namespaceGlobalId('kms-demo', stack.emulators.data.kms.regionId);
    const documents = [
      'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
      'query($ids: [ID!]!) { ... on Query { nodes(ids: $ids) { id } } }',
      'query($ids: [ID!]!) { ...Lookup } fragment Lookup on Query { nodes(ids: $ids) { id } }',
    ];
    for (const document of documents) {
      const result = await stack.execute(
        parse(document) as TypedDocumentNode<{ nodes: Array<{ id: string } | null> }, { ids: string[] }>,
        { ids: [good, '%%%'] },
      );
      expect({ document, nodes: result.data?.nodes }).toEqual({ document, nodes: [{ id: good }, null] });
      expect(result.errors?.map((e) => e.path)).toEqual([['nodes', 1]]);
    }
  });

  it('a well-formed ID of something that does not exist is null, not an error, and calls nothing', async () => {
    const ids = [
      b64('KmsSecret:["no-such-source","cn-hangzhou","x"]'),
      b64('Namespace:["no-such-source","x"]'),
      b64('SaeSecret:["kms-demo","cn-hangzhou","1"]'),
    ];
    for (const id of ids) {
      const node = await stack.execute(CoverageNodeDocument, { id });
      expect(node.errors).toBeUndefined();
      expect(node.data?.node).toBeNull();
    }
    expect(expectData(await stack.execute(SecretByIdDocument, { id: ids[0] })).secret).toBeNull();
    expect(expectData(await stack.execute(CoverageNamespaceDocument, { id: ids[1] })).namespace).toBeNull();
    expect(upstreamCalls()).toEqual({});
  });
});

describe('well-formed IDs that point at nothing', () => {
  const gid = (typename: string, parts: string[]) => b64(`${typename}:${JSON.stringify(parts)}`);

  // The key exists, but not in the namespace the ID names: no such object, so null. Returning the
  // secret of another namespace would hand back an object whose id differs from the one asked for.
  const wrongNamespace: Array<{ title: string; id: () => string }> = [
    {
      title: 'KMS name in another region',
      id: () => gid('KmsSecret', ['kms-demo', 'eu-central-1', stack.emulators.data.kms.secrets[0].SecretName]),
    },
    {
      title: 'APIG secretId in another region',
      id: () => gid('ApigSecret', ['apig-demo', 'eu-central-1', stack.emulators.data.apig.secrets[0].secretId]),
    },
    {
      title: 'CSMS name in another project',
      id: () =>
        gid('CsmsSecret', ['csms-demo', 'ffffffffffffffffffffffffffffffff', stack.emulators.data.csms.secrets[0].name]),
    },
  ];
  for (const c of wrongNamespace) {
    it(`${c.title}: node and secret are null, never a different object`, async () => {
      const id = c.id();
      const node = await stack.execute(CoverageNodeDocument, { id });
      expect(node.errors).toBeUndefined();
      expect({ asked: id, got: node.data?.node?.id ?? null }).toEqual({ asked: id, got: null });
      const secret = await stack.execute(SecretByIdDocument, { id });
      expect({ asked: id, got: secret.data?.secret?.id ?? null }).toEqual({ asked: id, got: null });
    });
  }

  it('an SAE ID in a namespace that does not exist is null, not an upstream error', async () => {
    const id = gid('SaeSecret', [
      'sae-demo',
      'cn-hangzhou:no-such-namespace',
      String(stack.emulators.data.sae.secrets[0].SecretId),
    ]);
    const node = await stack.execute(CoverageNodeDocument, { id });
    expect(node.errors).toBeUndefined();
    expect(node.data?.node).toBeNull();
    const secret = await stack.execute(SecretByIdDocument, { id });
    expect(secret.errors).toBeUndefined();
    expect(secret.data?.secret).toBeNull();
  });
});

describe('filter text', () => {
  const long = 'x'.repeat(257);
  const tooLong: Array<{ title: string; filter: SecretFilter }> = [
    { title: 'nameContains over 256 characters', filter: { nameContains: long } },
    { title: 'names value over 256 characters', filter: { names: ['ok', long] } },
    { title: 'types value over 256 characters', filter: { types: [long] } },
    { title: 'namespaces value over 256 characters', filter: { namespaces: [long] } },
    { title: 'states value over 256 characters', filter: { states: [long] } },
    { title: 'sources value over 256 characters', filter: { sources: [long] } },
    { title: 'tag key over 256 characters', filter: { tags: [{ key: long }] } },
    { title: 'tag value over 256 characters', filter: { tags: [{ key: 'env', value: long }] } },
    { title: 'very long CJK text', filter: { nameContains: '密钥'.repeat(200) } },
    { title: 'very long emoji text', filter: { nameContains: '🔑'.repeat(300) } },
    { title: 'more than 100 names', filter: { names: Array.from({ length: 101 }, (_, i) => `name-${i}`) } },
    { title: 'control character NUL', filter: { nameContains: 'ledger\u0000' } },
    { title: 'control character newline in a name', filter: { names: ['ledger\nDROP'] } },
    { title: 'control character ESC in a tag value', filter: { tags: [{ key: 'env', value: '\u001b[31mprod' }] } },
    { title: 'control character DEL in a namespace', filter: { namespaces: ['cn-hangzhou\u007f'] } },
  ];
  for (const c of tooLong) {
    it(`${c.title} → BAD_USER_INPUT before any call`, async () => {
      expectRejected(await stack.execute(SecretsPageDocument, { first: 5, filter: c.filter }), {
        reason: 'INVALID_ARGUMENT',
      });
    });
  }

  it('256 characters exactly is accepted', async () => {
    const result = await stack.execute(SecretsPageDocument, {
      first: 5,
      filter: { nameContains: 'x'.repeat(256), providers: ['ALIBABA_KMS'] },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data!.secrets.edges).toEqual([]);
  });

  it('unicode in nameContains (emoji, CJK, accents) is accepted, signed correctly for every provider and matches nothing here', async () => {
    for (const nameContains of ['🔑', '密钥', 'Zürich-ñ', '\u202e']) {
      const result = await stack.execute(SecretsPageDocument, { first: 5, filter: { nameContains } });
      expect(result.errors).toBeUndefined();
      const connection = result.data!.secrets;
      expect(connection.edges).toEqual([]);
      expect(connection.sourceStates.length).toBeGreaterThan(0);
      expect(connection.sourceStates.every((s) => s.status === 'OK')).toBe(true);
      // APIG received it as nameLike and checked the signature over it.
      expect(stack.calls('apig', 'ListSecrets')).toBeGreaterThan(0);
      stack.resetCounters();
    }
  });

  it('unicode and URL-special characters in KMS Filters (names, types, tags) are signed correctly', async () => {
    const kmsName = stack.emulators.data.kms.secrets.find((s) => /[+.]/.test(s.SecretName))!.SecretName;
    for (const odd of ['🔑', '密钥', 'a+b', 'a b', 'a&b=c', '100%', '"quoted"', "it's", 'back\\slash', 'x/y?z#']) {
      const filters: SecretFilter[] = [
        { providers: ['ALIBABA_KMS'], names: [odd, kmsName] },
        { providers: ['ALIBABA_KMS'], types: [odd] },
        { providers: ['ALIBABA_KMS'], tags: [{ key: odd, value: odd }] },
        { providers: ['ALIBABA_APIG'], nameContains: odd },
        { providers: ['ALIBABA_APIG'], names: [odd] },
      ];
      for (const filter of filters) {
        const result = await stack.execute(SecretsPageDocument, { first: 5, filter });
        expect({ filter, errors: result.errors }).toEqual({ filter, errors: undefined });
        const names = result.data!.secrets.edges.map((e) => e.node.name);
        if (filter.names?.includes(kmsName)) expect(names).toEqual([kmsName]);
        else expect(names).toEqual([]);
      }
    }
  });
});
