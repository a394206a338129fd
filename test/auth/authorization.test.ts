import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/builder.js';
import {
  GrantViewDocument,
  NamespaceNodeDocument,
  NamespaceSecretsPageDocument,
  NodesByIdDocument,
  RevealPageDocument,
  SecretByIdDocument,
  SourceSecretsDocument,
} from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { expectData, namespaceGlobalId, startStack, type Stack } from '../helpers/stack.js';
import { post, upstreamCalls } from './helpers.js';

/**
 * A token limited to one source (KMS) must not reach, see or count anything of the others by any
 * path, and must not cause a single call to them. What lies outside its grant looks exactly like
 * what does not exist.
 */
describe('authorization: a grant limited to one source', () => {
  let stack: Stack;
  let kmsOnly: Record<string, string>;
  let full: Record<string, string>;
  let ids: {
    sae: string;
    saeMissing: string;
    saeNamespace: string;
    kms: string;
    kmsMissing: string;
    apig: string;
    csms: string;
    saeAppId: string;
    saeNs: string;
    saeName: string;
  };

  const ungrantedCalls = () =>
    upstreamCalls(stack, 'sae') + upstreamCalls(stack, 'apig') + upstreamCalls(stack, 'csms');
  const raw = (query: string, variables: Record<string, unknown> = {}, headers = kmsOnly) =>
    post(stack.server.url, { query, variables }, headers);

  beforeAll(async () => {
    stack = await startStack();
    kmsOnly = {
      authorization: `Bearer ${stack.token({ subject: 'kms-team', scopes: ['secrets:read', 'secrets:reveal'], sources: [SOURCE.kms] })}`,
    };
    full = stack.authHeaders;
    const { data } = stack.emulators;
    // In a namespace of its own: SAE's default namespace has the region's id, as KMS's does.
    const sae = data.sae.secrets.find((s) => s.RelateApps.length > 0 && s.NamespaceId.includes(':'))!;
    ids = {
      sae: encodeGlobalId('SaeSecret', JSON.stringify([SOURCE.sae, sae.NamespaceId, String(sae.SecretId)])),
      saeMissing: encodeGlobalId('SaeSecret', JSON.stringify([SOURCE.sae, sae.NamespaceId, '424242424242'])),
      saeNamespace: namespaceGlobalId(SOURCE.sae, sae.NamespaceId),
      kms: encodeGlobalId('KmsSecret', JSON.stringify([SOURCE.kms, data.kms.regionId, data.kms.secrets[0].SecretName])),
      kmsMissing: encodeGlobalId('KmsSecret', JSON.stringify([SOURCE.kms, data.kms.regionId, 'no-such-secret'])),
      apig: encodeGlobalId(
        'ApigSecret',
        JSON.stringify([SOURCE.apig, data.apig.regionId, data.apig.secrets[0].secretId]),
      ),
      csms: encodeGlobalId('CsmsSecret', JSON.stringify([SOURCE.csms, data.csms.projectId, data.csms.secrets[0].name])),
      saeAppId: sae.RelateApps[0].AppId,
      saeNs: sae.NamespaceId,
      saeName: sae.SecretName,
    };
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.resetCounters();
    stack.emulators.providers.sae.clearForcedErrors();
  });

  it('secrets connection and totalCount: only the granted source, counted as if it were the only one', async () => {
    const data = expectData(await stack.execute(GrantViewDocument, { first: 100 }, kmsOnly));
    expect(new Set(data.secrets.nodes.map((n) => n.sourceId))).toEqual(new Set([SOURCE.kms]));
    expect(data.secrets.totalCount).toBe(stack.emulators.data.kms.secrets.length);
    expect(data.secrets.sourceStates.map((s) => s.source)).toEqual([SOURCE.kms]);
    expect(ungrantedCalls()).toBe(0);
  });

  it('sources and namespaces list only the granted source', async () => {
    const data = expectData(await stack.execute(GrantViewDocument, { first: 1 }, kmsOnly));
    expect(data.sources.map((s) => s.id)).toEqual([SOURCE.kms]);
    expect(data.namespaces.map((n) => n.source.id)).toEqual([SOURCE.kms]);
    const named = await raw('{ namespaces(sources: ["sae-demo", "csms-demo"]) { id } }');
    expect(named.body).toEqual({ data: { namespaces: [] } });
    expect(ungrantedCalls()).toBe(0);
  });

  it('source(id): an ungranted source is null, like an unknown one', async () => {
    const granted = expectData(await stack.execute(SourceSecretsDocument, { id: SOURCE.kms }, kmsOnly));
    expect(granted.source?.secrets.nodes).toHaveLength(5);
    const ungranted = await stack.execute(SourceSecretsDocument, { id: SOURCE.sae }, kmsOnly);
    const unknown = await stack.execute(SourceSecretsDocument, { id: 'no-such-source' }, kmsOnly);
    expect(ungranted).toEqual(unknown);
    expect(ungranted.data).toEqual({ source: null });
    expect(ungrantedCalls()).toBe(0);
  });

  it('namespace(id).secrets: an ungranted namespace is null, like an unknown one', async () => {
    const ungranted = await stack.execute(NamespaceSecretsPageDocument, { id: ids.saeNamespace, first: 5 }, kmsOnly);
    const unknown = await stack.execute(
      NamespaceSecretsPageDocument,
      { id: namespaceGlobalId(SOURCE.sae, 'cn-hangzhou:nowhere'), first: 5 },
      kmsOnly,
    );
    expect(ungranted).toEqual(unknown);
    expect(ungranted.data).toEqual({ namespace: null });
    expect(ungrantedCalls()).toBe(0);
  });

  it('node(id): an ungranted secret or namespace is null, like an unknown one', async () => {
    for (const id of [ids.sae, ids.saeNamespace, ids.apig, ids.csms]) {
      const ungranted = await stack.execute(NamespaceNodeDocument, { id }, kmsOnly);
      expect(ungranted).toEqual({ status: 200, data: { node: null }, errors: undefined });
    }
    expect(await stack.execute(NamespaceNodeDocument, { id: ids.saeMissing }, kmsOnly)).toEqual({
      status: 200,
      data: { node: null },
      errors: undefined,
    });
    const granted = expectData(await stack.execute(NamespaceNodeDocument, { id: ids.kms }, kmsOnly));
    expect(granted.node?.id).toBe(ids.kms);
    expect(ungrantedCalls()).toBe(0);
  });

  it('nodes(ids): ungranted ids are null in place with the same NOT_FOUND as unknown ones, granted ones resolve', async () => {
    const result = await stack.execute(
      NodesByIdDocument,
      { ids: [ids.sae, ids.kms, ids.apig, ids.kmsMissing, ids.csms, ids.saeMissing] },
      kmsOnly,
    );
    expect(result.data!.nodes.map((n) => (n && 'id' in n ? n.id : null))).toEqual([
      null,
      ids.kms,
      null,
      null,
      null,
      null,
    ]);
    const byIndex = [...result.errors!].sort((a, b) => Number(a.path![1]) - Number(b.path![1]));
    expect(byIndex.map((e) => [e.path, e.extensions?.code, e.message])).toEqual(
      [0, 2, 3, 4, 5].map((index) => [['nodes', index], 'NOT_FOUND', 'no object has this ID']),
    );
    expect(ungrantedCalls()).toBe(0);
  });

  it('secret(id): an ungranted secret is null, like an unknown one', async () => {
    const ungranted = await stack.execute(SecretByIdDocument, { id: ids.sae }, kmsOnly);
    const unknown = await stack.execute(SecretByIdDocument, { id: ids.saeMissing }, kmsOnly);
    expect(ungranted).toEqual(unknown);
    expect(ungranted.data).toEqual({ secret: null });
    // The full grant does see it: the secret exists.
    expect(expectData(await stack.execute(SecretByIdDocument, { id: ids.sae }, full)).secret).not.toBeNull();
    stack.resetCounters();
    await stack.execute(SecretByIdDocument, { id: ids.sae }, kmsOnly);
    expect(ungrantedCalls()).toBe(0);
  });

  it('federation _entities: ungranted references are null with the same NOT_FOUND as unknown ones', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) {
      ... on SaeSecret { id name } ... on KmsSecret { id name } ... on Namespace { id } ... on RelatedApp { appId } } }`;
    const refs = (secretId: string, name: string, namespaceId: string, nsGlobal: string, appId: string) => [
      { __typename: 'SaeSecret', id: secretId },
      { __typename: 'SaeSecret', provider: 'ALIBABA_SAE', sourceId: SOURCE.sae, namespaceId, name },
      { __typename: 'Secret', id: secretId },
      { __typename: 'Namespace', id: nsGlobal },
      { __typename: 'RelatedApp', appId },
      { __typename: 'KmsSecret', id: ids.kms },
    ];
    const ungranted = await raw(query, { r: refs(ids.sae, ids.saeName, ids.saeNs, ids.saeNamespace, ids.saeAppId) });
    const unknown = await raw(query, {
      r: refs(
        ids.saeMissing,
        'no-such-name',
        ids.saeNs,
        namespaceGlobalId(SOURCE.sae, 'cn-hangzhou:nowhere'),
        'app-nowhere',
      ),
    });
    expect(ungranted.status).toBe(200);
    expect(ungranted.body?.data?._entities).toEqual([
      null,
      null,
      null,
      null,
      null,
      { id: ids.kms, name: stack.emulators.data.kms.secrets[0].SecretName },
    ]);
    expect(ungranted.body).toEqual(unknown.body);
    expect(ungranted.body?.errors?.map((e) => e.extensions?.code)).toEqual([
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
      'NOT_FOUND',
    ]);
    expect(ungrantedCalls()).toBe(0);
    // The full grant resolves them all.
    const seen = await raw(query, { r: refs(ids.sae, ids.saeName, ids.saeNs, ids.saeNamespace, ids.saeAppId) }, full);
    expect(seen.body?.errors).toBeUndefined();
  });

  it('filters naming an ungranted source, provider or namespace find nothing, like an unknown one, and call nothing', async () => {
    const bySource = expectData(
      await stack.execute(GrantViewDocument, { first: 10, filter: { sources: [SOURCE.sae, SOURCE.csms] } }, kmsOnly),
    );
    const byUnknown = expectData(
      await stack.execute(GrantViewDocument, { first: 10, filter: { sources: ['no-such-source'] } }, kmsOnly),
    );
    expect(bySource.secrets).toEqual(byUnknown.secrets);
    expect(bySource.secrets).toMatchObject({
      totalCount: 0,
      nodes: [],
      sourceStates: [],
      pageInfo: { hasNextPage: false },
    });
    const byProvider = expectData(
      await stack.execute(
        GrantViewDocument,
        { first: 10, filter: { providers: ['ALIBABA_SAE', 'HUAWEI_CSMS', 'ALIBABA_APIG'] } },
        kmsOnly,
      ),
    );
    expect(byProvider.secrets).toEqual(byUnknown.secrets);
    const byNamespace = expectData(
      await stack.execute(
        GrantViewDocument,
        { first: 10, filter: { namespaces: [ids.saeNs, stack.emulators.data.csms.projectId] } },
        kmsOnly,
      ),
    );
    expect(byNamespace.secrets).toEqual(byUnknown.secrets);
    const mixed = expectData(
      await stack.execute(GrantViewDocument, { first: 5, filter: { sources: [SOURCE.sae, SOURCE.kms] } }, kmsOnly),
    );
    expect(mixed.secrets.totalCount).toBe(stack.emulators.data.kms.secrets.length);
    expect(ungrantedCalls()).toBe(0);
  });

  it('errors: a failing ungranted source appears in neither errors nor sourceStates', async () => {
    stack.emulators.servers.sae.setFaults({ serverErrorRate: 1 });
    try {
      const seenByAll = await stack.execute(GrantViewDocument, { first: 5 }, full);
      expect(seenByAll.errors?.some((e) => e.extensions?.source === SOURCE.sae)).toBe(true);
      stack.resetCounters();
      const restricted = await stack.execute(GrantViewDocument, { first: 5 }, kmsOnly);
      expect(restricted.errors).toBeUndefined();
      expect(JSON.stringify(restricted.data)).not.toContain(SOURCE.sae);
      expect(restricted.data!.secrets.sourceStates.every((s) => s.source === SOURCE.kms && s.status === 'OK')).toBe(
        true,
      );
      expect(ungrantedCalls()).toBe(0);
    } finally {
      stack.emulators.servers.sae.setFaults({ serverErrorRate: 0 });
    }
  });

  it('cursors from another grant are refused, both ways, without a call', async () => {
    const filter = { sources: [SOURCE.kms] };
    const fullPage = expectData(await stack.execute(GrantViewDocument, { first: 3, filter }, full));
    const restrictedPage = expectData(await stack.execute(GrantViewDocument, { first: 3, filter }, kmsOnly));
    // Same secrets, different grants: the cursors differ and do not cross.
    expect(restrictedPage.secrets.nodes).toEqual(fullPage.secrets.nodes);
    expect(restrictedPage.secrets.pageInfo.endCursor).not.toBe(fullPage.secrets.pageInfo.endCursor);
    stack.resetCounters();
    for (const [cursor, headers] of [
      [fullPage.secrets.pageInfo.endCursor, kmsOnly],
      [restrictedPage.secrets.pageInfo.endCursor, full],
    ] as const) {
      const result = await stack.execute(GrantViewDocument, { first: 3, after: cursor, filter }, headers);
      expect(result.errors?.map((e) => e.extensions)).toEqual([
        expect.objectContaining({ code: 'BAD_USER_INPUT', reason: 'FOREIGN_CURSOR', argument: 'after' }),
      ]);
      // The restricted caller's request touched nothing outside its grant.
      if (headers === kmsOnly) expect(ungrantedCalls()).toBe(0);
    }
    // No page was read for either refused cursor. (The full grant's `namespaces` field, selected
    // beside it, still lists SAE namespaces, whether or not that answer arrives before the response.)
    expect(upstreamCalls(stack, 'kms')).toBe(0);
    // Each grant continues with its own cursor.
    const next = expectData(
      await stack.execute(
        GrantViewDocument,
        { first: 3, after: restrictedPage.secrets.pageInfo.endCursor, filter },
        kmsOnly,
      ),
    );
    expect(next.secrets.nodes).toHaveLength(3);
  });

  it('related apps of an ungranted SAE namespace are unreachable by id', async () => {
    const appId = encodeGlobalId('RelatedApp', JSON.stringify([SOURCE.sae, ids.saeNs, ids.saeAppId]));
    const result = await raw('query($id: ID!) { node(id: $id) { id } }', { id: appId });
    expect(result.body).toEqual({ data: { node: null } });
    expect(ungrantedCalls()).toBe(0);
  });
});

describe('authorization: namespaces, scopes', () => {
  let stack: Stack;
  let namespaces: string[];
  beforeAll(async () => {
    stack = await startStack();
    namespaces = stack.emulators.data.sae.namespaces.map((n) => n.NamespaceId).sort();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounters());

  it('a grant of one SAE namespace sees that namespace only, and lists no other', async () => {
    const [mine, other] = namespaces;
    const headers = {
      authorization: `Bearer ${stack.token({ scopes: ['secrets:read'], namespaces: [`${SOURCE.sae}/${mine}`] })}`,
    };
    const data = expectData(await stack.execute(GrantViewDocument, { first: 100 }, headers));
    expect(data.sources.map((s) => s.id)).toEqual([SOURCE.sae]);
    expect(data.namespaces.map((n) => n.namespaceId)).toEqual([mine]);
    expect(new Set(data.secrets.nodes.map((n) => n.namespaceId))).toEqual(new Set([mine]));
    expect(data.secrets.totalCount).toBe(stack.emulators.data.sae.secrets.filter((s) => s.NamespaceId === mine).length);
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    const otherNs = await stack.execute(
      NamespaceSecretsPageDocument,
      { id: namespaceGlobalId(SOURCE.sae, other), first: 5 },
      headers,
    );
    expect(otherNs.data).toEqual({ namespace: null });
    expect(stack.calls('sae', 'ListSecrets')).toBe(1);
    expect(upstreamCalls(stack, 'kms') + upstreamCalls(stack, 'apig') + upstreamCalls(stack, 'csms')).toBe(0);
  });

  it('"source/*" grants every namespace of that source', async () => {
    const headers = {
      authorization: `Bearer ${stack.token({ scopes: ['secrets:read'], namespaces: [`${SOURCE.sae}/*`] })}`,
    };
    const data = expectData(await stack.execute(GrantViewDocument, { first: 1 }, headers));
    expect(data.namespaces.map((n) => n.namespaceId)).toEqual(namespaces);
    expect(data.sources.map((s) => s.id)).toEqual([SOURCE.sae]);
  });

  it('without the read scope every query field is FORBIDDEN and nothing is called', async () => {
    const headers = { authorization: `Bearer ${stack.token({ scopes: ['secrets:reveal'] })}` };
    const result = await stack.execute(RevealPageDocument, { first: 5 }, headers);
    expect(result.status).toBe(200);
    expect(result.data).toBeNull();
    expect(result.errors?.map((e) => e.extensions)).toEqual([
      expect.objectContaining({ code: 'FORBIDDEN', requiredScopes: ['secrets:read'] }),
    ]);
    const entities = await post(
      stack.server.url,
      { query: '{ _entities(representations: [{ __typename: "Namespace", id: "abc" }]) { __typename } }' },
      headers,
    );
    expect(entities.body?.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const none = { authorization: `Bearer ${stack.token({ scopes: [] })}` };
    const nothing = await post(stack.server.url, { query: '{ sources { id } }' }, none);
    expect(nothing.body?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(
      upstreamCalls(stack, 'sae') +
        upstreamCalls(stack, 'kms') +
        upstreamCalls(stack, 'apig') +
        upstreamCalls(stack, 'csms'),
    ).toBe(0);
  });
});
