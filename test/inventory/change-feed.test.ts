import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KmsSecretSeed } from '../../src/providers/alibaba/emulator-data.js';
import {
  FeedSearchDocument,
  SecretChangedDocument,
  SecretChangesDocument,
  type ChangeFieldsFragment,
  type SecretChangedSubscription,
} from '../generated/graphql.js';
import { SOURCE } from '../helpers/expected.js';
import { openEventStream } from '../helpers/sse.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

const KMS = SOURCE.kms;

/** Until every indexed source has made its first sync (the baseline). */
async function baselined(stack: Stack): Promise<void> {
  const inventory = stack.gateway.services.inventory!;
  await Promise.all(inventory.sourceIds.map((id) => inventory.syncNow(id)));
}

/** A KMS secret the cloud did not have: a copy of a seeded one under a new name. */
function newKmsSecret(stack: Stack, name: string, tags: KmsSecretSeed['Tags'] = []): KmsSecretSeed {
  const model = stack.emulators.data.kms.secrets[0];
  const now = Date.now();
  return {
    ...model,
    SecretName: name,
    Arn: model.Arn.replace(model.SecretName, name),
    CreateTime: now,
    UpdateTime: now,
    Tags: tags,
  };
}

/** Every change after `cursor`, page by page (following endCursor), and the cursor to go on from. */
async function drain(
  stack: Stack,
  cursor: string | null,
  options: { first?: number; headers?: Record<string, string>; filter?: object } = {},
): Promise<{ changes: ChangeFieldsFragment[]; cursor: string; pages: number }> {
  const changes: ChangeFieldsFragment[] = [];
  let pages = 0;
  for (;;) {
    const page = expectData(
      await stack.execute(
        SecretChangesDocument,
        { first: options.first ?? 100, after: cursor, filter: options.filter },
        options.headers,
      ),
    ).secretChanges;
    pages++;
    changes.push(...page.edges.map((e) => e.node));
    expect(page.pageInfo.endCursor).toBeTruthy();
    cursor = page.pageInfo.endCursor!;
    if (!page.pageInfo.hasNextPage) return { changes, cursor, pages };
  }
}

const summary = (c: ChangeFieldsFragment) => `${c.kind} ${c.ref.sourceId}/${c.ref.namespaceId}/${c.ref.name}`;

describe('the change feed (secretChanges, secretChanged) against the emulators', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        config.inventory = { refreshMs: 60_000, retentionMs: 3_600_000 };
        // A token expires when it says (the subscription's end is tested).
        config.auth.jwt!.clockToleranceSeconds = 0;
      },
    });
    await baselined(stack);
  });
  afterAll(() => stack.close());

  it('the first sync is the baseline: the feed is empty after every source synced', async () => {
    const { changes } = await drain(stack, null);
    expect(changes).toEqual([]);
    // Another sync of unchanged clouds finds nothing either.
    await baselined(stack);
    expect((await drain(stack, null)).changes).toEqual([]);
  });

  it('secrets created, updated and deleted at the cloud appear once each, in order, across pages and syncs; search and counts follow', async () => {
    const kms = stack.emulators.data.kms;
    const head = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges;
    expect(head.edges).toEqual([]);
    let cursor = head.headCursor;

    const created = ['feedtest-alpha', 'feedtest-beta', 'feedtest-gamma'].map((name) =>
      newKmsSecret(stack, name, [{ TagKey: 'team', TagValue: 'feedtest' }]),
    );
    kms.secrets.push(...created);
    await stack.gateway.services.inventory!.syncNow(KMS);

    // Two per page: three changes take two pages, the second saying there is no more.
    const first = await drain(stack, cursor, { first: 2 });
    expect(first.pages).toBe(2);
    expect(first.changes.map(summary)).toEqual(created.map((s) => `CREATED ${KMS}/${kms.regionId}/${s.SecretName}`));
    const alpha = first.changes[0];
    expect(alpha.secret).toMatchObject({
      __typename: 'KmsSecret',
      name: 'feedtest-alpha',
      provider: 'ALIBABA_KMS',
      tags: [{ key: 'team', value: 'feedtest' }],
    });
    expect(alpha.changedFields).toEqual(expect.arrayContaining(['name', 'updatedAt', 'tags']));
    expect(alpha.changedFields).not.toContain('key');
    expect(alpha.ref.provider).toBe('ALIBABA_KMS');
    cursor = first.cursor;

    // Nothing new: the same cursor comes back, and nothing is repeated.
    const idle = await drain(stack, cursor);
    expect(idle.changes).toEqual([]);
    expect(idle.cursor).toBe(cursor);

    // Search and counts see the new secrets after the sync.
    const found = expectData(await stack.execute(FeedSearchDocument, { filter: { search: 'feedtest-' } }));
    expect(found.secrets.edges.map((e) => e.node.name).sort()).toEqual(created.map((s) => s.SecretName));
    expect(found.secretCounts.total).toBe(3);

    // An update (a new tag and a later update time) and a deletion, in two syncs.
    created[1].Tags = [...created[1].Tags, { TagKey: 'env', TagValue: 'prod' }];
    created[1].UpdateTime = Date.now() + 1000;
    await stack.gateway.services.inventory!.syncNow(KMS);
    kms.secrets.splice(kms.secrets.indexOf(created[2]), 1);
    await stack.gateway.services.inventory!.syncNow(KMS);

    const second = await drain(stack, cursor, { first: 1 });
    expect(second.changes.map(summary)).toEqual([
      `UPDATED ${KMS}/${kms.regionId}/feedtest-beta`,
      `DELETED ${KMS}/${kms.regionId}/feedtest-gamma`,
    ]);
    const [updated, deleted] = second.changes;
    expect(updated.changedFields.sort()).toEqual(['tags', 'updatedAt']);
    expect(updated.secret).toMatchObject({
      name: 'feedtest-beta',
      tags: expect.arrayContaining([{ key: 'env', value: 'prod' }]),
    });
    expect(deleted.secret).toBeNull();
    expect(new Date(deleted.at).getTime()).toBeGreaterThanOrEqual(new Date(updated.at).getTime());

    // The whole feed from its start holds each of the five changes exactly once, in order.
    const all = (await drain(stack, null, { first: 3 })).changes.map(summary);
    expect(all).toEqual([...first.changes.map(summary), ...second.changes.map(summary)]);
    expect(new Set(all).size).toBe(all.length);

    const after = expectData(await stack.execute(FeedSearchDocument, { filter: { search: 'feedtest-' } }));
    expect(after.secrets.edges.map((e) => e.node.name).sort()).toEqual(['feedtest-alpha', 'feedtest-beta']);
    expect(after.secretCounts.total).toBe(2);
    const prod = expectData(
      await stack.execute(FeedSearchDocument, {
        filter: { search: 'feedtest', tags: [{ key: 'env', value: 'prod' }] },
      }),
    );
    expect(prod.secretCounts.total).toBe(1);
  });

  it('since: starts at the first change found at or after it; a cursor at an edge resumes right after it', async () => {
    const page = expectData(await stack.execute(SecretChangesDocument, { first: 100 })).secretChanges;
    expect(page.edges.length).toBeGreaterThanOrEqual(2);
    const [, second] = page.edges;
    const since = expectData(await stack.execute(SecretChangesDocument, { since: second.node.at })).secretChanges;
    expect(since.edges[0].node.at >= second.node.at).toBe(true);
    expect(since.edges.map((e) => e.node.cursor)).toEqual(
      page.edges.filter((e) => e.node.at >= second.node.at).map((e) => e.node.cursor),
    );
    const resumed = expectData(await stack.execute(SecretChangesDocument, { after: second.cursor })).secretChanges;
    expect(resumed.edges.map((e) => e.cursor)).toEqual(page.edges.slice(2).map((e) => e.cursor));
    // `SecretChange.cursor` is its edge's cursor.
    expect(page.edges.every((e) => e.cursor === e.node.cursor)).toBe(true);
  });

  it('grants and filters apply to every change: outside the grant a change is never seen', async () => {
    const inventory = stack.gateway.services.inventory!;
    const kms = stack.emulators.data.kms;
    const saeOnly = { authorization: `Bearer ${stack.token({ sources: [SOURCE.sae] })}` };
    const otherRegion = { authorization: `Bearer ${stack.token({ namespaces: [`${KMS}/no-such-region`] })}` };
    const kmsRegion = { authorization: `Bearer ${stack.token({ namespaces: [`${KMS}/${kms.regionId}`] })}` };
    const headOf = async (headers: Record<string, string>, filter?: object) =>
      expectData(await stack.execute(SecretChangesDocument, { first: 0, filter }, headers)).secretChanges.headCursor;
    const heads = await Promise.all([saeOnly, otherRegion, kmsRegion, {}].map((headers) => headOf(headers)));
    const saeFilter = { providers: ['ALIBABA_SAE'] as const };
    const searchFilter = { search: 'granted' };
    const filteredHeads = await Promise.all([saeFilter, searchFilter].map((filter) => headOf({}, filter)));
    const secret = newKmsSecret(stack, 'feedtest-granted');
    kms.secrets.push(secret);
    await inventory.syncNow(KMS);

    expect((await drain(stack, heads[0], { headers: saeOnly })).changes).toEqual([]);
    expect((await drain(stack, heads[1], { headers: otherRegion })).changes).toEqual([]);
    expect((await drain(stack, heads[2], { headers: kmsRegion })).changes.map(summary)).toEqual([
      `CREATED ${KMS}/${kms.regionId}/feedtest-granted`,
    ]);
    // The whole feed, from its start, under a grant without KMS: no KMS change at all.
    expect((await drain(stack, null, { headers: saeOnly })).changes.filter((c) => c.ref.sourceId === KMS)).toEqual([]);
    // Filters: by provider, by search.
    expect((await drain(stack, filteredHeads[0], { filter: saeFilter })).changes).toEqual([]);
    expect((await drain(stack, filteredHeads[1], { filter: searchFilter })).changes.map(summary)).toEqual([
      `CREATED ${KMS}/${kms.regionId}/feedtest-granted`,
    ]);
    expect((await drain(stack, heads[3])).changes.map(summary)).toEqual([
      `CREATED ${KMS}/${kms.regionId}/feedtest-granted`,
    ]);
    // A cursor is bound to its grant and filter.
    for (const [after, headers, filter] of [
      [heads[3], saeOnly, undefined],
      [heads[3], {}, searchFilter],
    ] as const) {
      const foreign = await stack.execute(SecretChangesDocument, { after, filter }, headers);
      expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'FOREIGN_CURSOR' });
    }
    // A DELETED change is filtered on the record the index last held.
    const [granted, nothing] = await Promise.all([headOf({}, searchFilter), headOf({}, { search: 'nothing-like-it' })]);
    kms.secrets.splice(kms.secrets.indexOf(secret), 1);
    await inventory.syncNow(KMS);
    expect((await drain(stack, granted, { filter: searchFilter })).changes.map(summary)).toEqual([
      `DELETED ${KMS}/${kms.regionId}/feedtest-granted`,
    ]);
    expect((await drain(stack, nothing, { filter: { search: 'nothing-like-it' } })).changes).toEqual([]);
  });

  it('a failed sync emits no DELETED; the next good sync emits the one real change', async () => {
    const inventory = stack.gateway.services.inventory!;
    const kms = stack.emulators.data.kms;
    const head = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    const gone = kms.secrets.at(-1)!;
    kms.secrets.splice(kms.secrets.indexOf(gone), 1);
    stack.emulators.providers.kms.failNext('Forbidden.NoPermission', { operation: 'ListSecrets' });
    const failed = await inventory.syncNow(KMS);
    expect(failed.error?.code).toBe('UPSTREAM_FORBIDDEN');
    expect(inventory.status(KMS)?.state).toBe('FAILED');
    expect((await drain(stack, head)).changes).toEqual([]);

    await inventory.syncNow(KMS);
    const { changes, cursor } = await drain(stack, head);
    expect(changes.map(summary)).toEqual([`DELETED ${KMS}/${kms.regionId}/${gone.SecretName}`]);
    // Back as it was, for the tests after this one.
    kms.secrets.push(gone);
    await inventory.syncNow(KMS);
    expect((await drain(stack, cursor)).changes.map(summary)).toEqual([
      `CREATED ${KMS}/${kms.regionId}/${gone.SecretName}`,
    ]);
  });

  it('bad arguments are refused with codes: first out of range, after with since, a cursor of another connection', async () => {
    const tooMany = await stack.execute(SecretChangesDocument, { first: 101 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    const head = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    const both = await stack.execute(SecretChangesDocument, { after: head, since: new Date().toISOString() });
    expect(both.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'since' });
    const tampered = await stack.execute(SecretChangesDocument, { after: `${head.slice(0, -3)}abc` });
    expect(tampered.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('a subscriber over SSE receives a change within 1 s of the sync that found it; grants and filters apply', async () => {
    const inventory = stack.gateway.services.inventory!;
    const kms = stack.emulators.data.kms;
    const url = `${stack.server.url}/graphql`;
    const everything = await openEventStream(url, SecretChangedDocument, {}, stack.authHeaders);
    const saeOnly = await openEventStream(
      url,
      SecretChangedDocument,
      {},
      {
        authorization: `Bearer ${stack.token({ sources: [SOURCE.sae] })}`,
      },
    );
    const filtered = await openEventStream(
      url,
      SecretChangedDocument,
      { filter: { search: 'second' } },
      stack.authHeaders,
    );
    try {
      expect(everything.status).toBe(200);
      expect(everything.contentType).toMatch(/^text\/event-stream/);

      kms.secrets.push(newKmsSecret(stack, 'feedtest-sse-first'));
      await inventory.syncNow(KMS);
      const synced = Date.now();
      const event = await everything.next(5000);
      const latencyMs = Date.now() - synced;
      expect(event?.errors).toBeUndefined();
      expect(event?.data?.secretChanged).toMatchObject({
        kind: 'CREATED',
        ref: { sourceId: KMS, name: 'feedtest-sse-first' },
        secret: { __typename: 'KmsSecret', name: 'feedtest-sse-first' },
      });
      expect(latencyMs).toBeLessThan(1000);

      // A change the SAE-only grant may see, after the KMS one: it is the first event that subscriber gets.
      const sae = stack.emulators.data.sae.secrets[0];
      sae.UpdateTime = Date.now() + 5000;
      await inventory.syncNow(SOURCE.sae);
      kms.secrets.push(newKmsSecret(stack, 'feedtest-sse-second'));
      await inventory.syncNow(KMS);

      const seenBySae = await saeOnly.next(5000);
      expect(seenBySae?.data?.secretChanged).toMatchObject({ kind: 'UPDATED', ref: { sourceId: SOURCE.sae } });
      const seenFiltered = await filtered.next(5000);
      expect(seenFiltered?.data?.secretChanged).toMatchObject({ ref: { name: 'feedtest-sse-second' } });
      expect((await everything.next(5000))?.data?.secretChanged.ref.sourceId).toBe(SOURCE.sae);
      const last = (await everything.next(5000))?.data?.secretChanged;
      expect(last?.ref.name).toBe('feedtest-sse-second');

      // Its cursor resumes the feed: polling from it finds nothing more.
      expect((await drain(stack, last!.cursor)).changes).toEqual([]);
      expect(everything.pending() + saeOnly.pending() + filtered.pending()).toBe(0);
    } finally {
      everything.close();
      saeOnly.close();
      filtered.close();
    }
    // A client that goes away takes its subscription with it.
    await expect.poll(() => inventory.changes.subscribers).toBe(0);
  });

  it('each event reads the cloud as of that event: details and values afresh, behind the reveal scope, one audit line each', async () => {
    const inventory = stack.gateway.services.inventory!;
    const kms = stack.emulators.data.kms;
    const query = `subscription {
      secretChanged(filter: { search: "feedtest-rotating" }) {
        kind
        secret { name ... on KmsSecret { description value { secretData } } }
      }
    }`;
    type Event = {
      secretChanged: {
        kind: string;
        secret: { name: string; description: string; value: { secretData: string } | null };
      };
    };
    const stream = await openEventStream<Event, object>(`${stack.server.url}/graphql`, query, {}, stack.authHeaders);
    const readOnly = await openEventStream<Event, object>(
      `${stack.server.url}/graphql`,
      query,
      {},
      {
        authorization: `Bearer ${stack.token({ scopes: ['secrets:read'] })}`,
      },
    );
    const logsFrom = stack.logs.length;
    try {
      const secret = newKmsSecret(stack, 'feedtest-rotating');
      secret.Description = 'first';
      secret.Versions = [
        {
          VersionId: 'v1',
          VersionStages: ['ACSCurrent'],
          SecretData: 'first-value',
          SecretDataType: 'text',
          CreateTime: Date.now(),
        },
      ];
      kms.secrets.push(secret);
      await inventory.syncNow(KMS);
      const created = await stream.next(5000);
      expect(created?.errors).toBeUndefined();
      expect(created?.data?.secretChanged).toEqual({
        kind: 'CREATED',
        secret: { name: 'feedtest-rotating', description: 'first', value: { secretData: 'first-value' } },
      });

      secret.Description = 'second';
      secret.Versions[0].SecretData = 'second-value';
      secret.UpdateTime = Date.now() + 1000;
      await inventory.syncNow(KMS);
      const updated = await stream.next(5000);
      expect(updated?.data?.secretChanged).toEqual({
        kind: 'UPDATED',
        secret: { name: 'feedtest-rotating', description: 'second', value: { secretData: 'second-value' } },
      });
      const reveals = stack.logs
        .slice(logsFrom)
        .map((line) => JSON.parse(line) as { event?: string; name?: string; outcome?: string })
        .filter((line) => line.event === 'secret.reveal' && line.name === 'feedtest-rotating');
      expect(reveals.map((line) => line.outcome)).toEqual(['revealed', 'revealed']);
      expect(stack.logs.slice(logsFrom).join('\n')).not.toContain('second-value');

      // Without the reveal scope: the value is null with FORBIDDEN, the rest of the change is there.
      const forbidden = await readOnly.next(5000);
      expect(forbidden?.data?.secretChanged.secret).toEqual({
        name: 'feedtest-rotating',
        description: 'first',
        value: null,
      });
      expect(forbidden?.errors?.[0]).toMatchObject({
        path: ['secretChanged', 'secret', 'value'],
        extensions: { code: 'FORBIDDEN' },
      });
    } finally {
      stream.close();
      readOnly.close();
    }
  });

  it('a subscription started from a cursor replays what came after it, then goes on live', async () => {
    const inventory = stack.gateway.services.inventory!;
    const kms = stack.emulators.data.kms;
    const head = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    kms.secrets.push(newKmsSecret(stack, 'feedtest-replayed'));
    await inventory.syncNow(KMS);
    const stream = await openEventStream<SecretChangedSubscription, object>(
      `${stack.server.url}/graphql`,
      SecretChangedDocument,
      { after: head },
      stack.authHeaders,
    );
    try {
      expect((await stream.next(5000))?.data?.secretChanged.ref.name).toBe('feedtest-replayed');
      kms.secrets.push(newKmsSecret(stack, 'feedtest-live'));
      await inventory.syncNow(KMS);
      expect((await stream.next(5000))?.data?.secretChanged.ref.name).toBe('feedtest-live');
    } finally {
      stream.close();
    }
  });

  it('subscriptions over GET, and the refusals: no event stream, no credential, bad variables, no read scope', async () => {
    const url = `${stack.server.url}/graphql`;
    const viaGet = await openEventStream(url, SecretChangedDocument, {}, stack.authHeaders, 'GET');
    try {
      expect(viaGet.status).toBe(200);
      stack.emulators.data.kms.secrets.push(newKmsSecret(stack, 'feedtest-get'));
      await stack.gateway.services.inventory!.syncNow(KMS);
      expect((await viaGet.next(5000))?.data?.secretChanged.ref.name).toBe('feedtest-get');
    } finally {
      viaGet.close();
    }
    const json = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...stack.authHeaders },
      body: JSON.stringify({ query: 'subscription { secretChanged { kind } }' }),
    });
    expect(json.status).toBe(406);
    expect(((await json.json()) as any).errors[0].extensions).toMatchObject({
      code: 'BAD_REQUEST',
      reason: 'NOT_ACCEPTABLE',
    });
    const noCredential = await openEventStream(url, SecretChangedDocument, {}, {});
    expect(noCredential.status).toBe(401);
    noCredential.close();
    // Variables that do not fit their types: the code every bad input has.
    const badVariables = await openEventStream(
      url,
      SecretChangedDocument,
      { filter: { providers: ['NOPE'] } } as never,
      stack.authHeaders,
    );
    expect((await badVariables.next(5000))?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    badVariables.close();
    const noScope = await openEventStream(
      url,
      SecretChangedDocument,
      {},
      {
        authorization: `Bearer ${stack.token({ scopes: ['secrets:reveal'] })}`,
      },
    );
    const refused = await noScope.next(5000);
    expect(refused?.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    noScope.close();
  });

  it('a subscription ends with UNAUTHENTICATED (TOKEN_EXPIRED) when its token expires', async () => {
    const stream = await openEventStream(
      `${stack.server.url}/graphql`,
      SecretChangedDocument,
      {},
      {
        authorization: `Bearer ${stack.token({ expiresInSeconds: 1 })}`,
      },
    );
    try {
      expect(stream.status).toBe(200);
      const ended = await stream.next(10_000);
      expect(ended?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
      expect(await stream.next(5000)).toBeNull();
    } finally {
      stream.close();
    }
  });

  it('a secret created or updated at AWS is in the feed as the first page of the next sync arrives, before the sync ends, and once', async () => {
    const inventory = stack.gateway.services.inventory!;
    const aws = stack.emulators.data.aws;
    const head = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    // A sync reads AWS newest first: the newest secret and one created now are on its first page (of 3).
    const [newest] = aws.secrets
      .filter((s) => s.deletedMs === null)
      .sort((a, b) => b.createdMs - a.createdMs || (a.arn < b.arn ? 1 : -1));
    const was = { description: newest.description, lastChangedMs: newest.lastChangedMs };
    newest.description = 'changed where the chain begins';
    newest.lastChangedMs = Date.now();
    const created = {
      ...structuredClone(newest),
      name: 'feedtest-created-now',
      arn: `${newest.arn}-now`,
      createdMs: Date.now(),
      lastChangedMs: Date.now(),
    };
    aws.secrets.push(created);
    stack.emulators.providers.aws.dataChanged();
    // A second a page: the sync takes some 3 s; its first page is read after 1 s.
    stack.emulators.servers.aws.setFaults({ latencyMs: 1000 });
    const expected = [
      `UPDATED ${SOURCE.aws}/${aws.region}/${newest.name}`,
      `CREATED ${SOURCE.aws}/${aws.region}/${created.name}`,
    ].sort();
    try {
      let ended = false;
      const sync = inventory.syncNow(SOURCE.aws).then((outcome) => {
        ended = true;
        return outcome;
      });
      let seen: string[] = [];
      for (let i = 0; i < 100 && seen.length < 2 && !ended; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        seen = (await drain(stack, head)).changes.map(summary);
      }
      expect(seen.sort()).toEqual(expected);
      expect(ended).toBe(false);
      const outcome = await sync;
      expect(outcome.error).toBeUndefined();
      // The sync reports them as its own, and the feed has each once.
      expect(outcome.changes?.map((c) => `${c.kind} ${c.sourceId}/${c.namespaceId}/${c.key}`).sort()).toEqual(expected);
      expect((await drain(stack, head)).changes.map(summary).sort()).toEqual(expected);
    } finally {
      stack.emulators.servers.aws.setFaults({ latencyMs: 0 });
      Object.assign(newest, was);
      aws.secrets.splice(aws.secrets.indexOf(created), 1);
      stack.emulators.providers.aws.dataChanged();
      await inventory.syncNow(SOURCE.aws);
    }
  });
});

describe('the change feed past its retention', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      configure: (config) => {
        config.inventory = { refreshMs: 60_000, retentionMs: 300 };
        // With the response cache on, as deployments have it: the feed must never come from it.
        for (const source of config.sources) source.cache = { ttlMs: 60_000, staleMs: 0, readAhead: false };
      },
    });
    await baselined(stack);
  });
  afterAll(() => stack.close());

  it('the response cache never answers for the feed: each poll sees the changes made since', async () => {
    const head = async () =>
      expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    const before = await head();
    expect(await head()).toBe(before);
    stack.emulators.data.kms.secrets.push(newKmsSecret(stack, 'feedtest-uncached'));
    await stack.gateway.services.inventory!.syncNow(KMS);
    expect(await head()).not.toBe(before);
  });

  it('a cursor or a since older than the retention gives CHANGES_EXPIRED (RESYNC_REQUIRED); a fresh headCursor follows on', async () => {
    const start = new Date().toISOString();
    const old = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    stack.emulators.data.kms.secrets.push(newKmsSecret(stack, 'feedtest-expiring'));
    await stack.gateway.services.inventory!.syncNow(KMS);
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const variables of [{ after: old }, { since: start }]) {
      const expired = await stack.execute(SecretChangesDocument, variables);
      expect(expired.status).toBe(200);
      expect(expired.errors?.[0]?.extensions).toMatchObject({ code: 'CHANGES_EXPIRED', reason: 'RESYNC_REQUIRED' });
    }
    const subscription = await openEventStream(
      `${stack.server.url}/graphql`,
      SecretChangedDocument,
      { after: old },
      stack.authHeaders,
    );
    expect((await subscription.next(5000))?.errors?.[0]?.extensions).toMatchObject({ code: 'CHANGES_EXPIRED' });
    subscription.close();

    const fresh = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    stack.emulators.data.kms.secrets.push(newKmsSecret(stack, 'feedtest-after-resync'));
    await stack.gateway.services.inventory!.syncNow(KMS);
    const page = expectData(await stack.execute(SecretChangesDocument, { after: fresh })).secretChanges;
    expect(page.edges.map((e) => e.node.ref.name)).toEqual(['feedtest-after-resync']);
  });
});

describe('a source whose first sync comes late', () => {
  let stack: Stack;
  // The KMS emulator's clock, hours off at first: every signed call is refused until it is set right.
  let skewMs = 2 * 3_600_000;
  beforeAll(async () => {
    stack = await startStack({
      kms: { now: () => Date.now() + skewMs },
      configure: (config) => {
        config.inventory = { refreshMs: 60_000, retentionMs: 3_600_000 };
      },
    });
    await baselined(stack);
  });
  afterAll(() => stack.close());

  it('its baseline took in changes the feed never had: older cursors and subscriptions must resync', async () => {
    const inventory = stack.gateway.services.inventory!;
    expect(inventory.status(KMS)?.state).toBe('FAILED');
    const old = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
    const since = new Date().toISOString();
    const stream = await openEventStream(`${stack.server.url}/graphql`, SecretChangedDocument, {}, stack.authHeaders);
    try {
      await expect.poll(() => inventory.changes.subscribers).toBe(1);
      skewMs = 0;
      await inventory.syncNow(KMS);
      expect(inventory.status(KMS)?.state).toBe('FRESH');
      for (const variables of [{ after: old }, { since }]) {
        const expired = await stack.execute(SecretChangesDocument, variables);
        expect(expired.errors?.[0]?.extensions).toMatchObject({ code: 'CHANGES_EXPIRED', reason: 'RESYNC_REQUIRED' });
      }
      expect((await stream.next(5000))?.errors?.[0]?.extensions).toMatchObject({ code: 'CHANGES_EXPIRED' });
      expect(await stream.next(5000)).toBeNull();
      const fresh = expectData(await stack.execute(SecretChangesDocument, { first: 0 })).secretChanges.headCursor;
      expect(expectData(await stack.execute(SecretChangesDocument, { after: fresh })).secretChanges.edges).toEqual([]);
    } finally {
      stream.close();
    }
  });
});

describe('without an inventory', () => {
  it('secretChanges and secretChanged answer INVENTORY_DISABLED, with no cloud call', async () => {
    const stack = await startStack({
      configure: (config) => {
        config.limits.maxCost = 3;
      },
    });
    try {
      const query = await stack.execute(SecretChangesDocument, { first: 0 });
      expect(query.status).toBe(200);
      expect(query.errors?.[0]?.extensions).toMatchObject({ code: 'INVENTORY_DISABLED' });
      const stream = await openEventStream(`${stack.server.url}/graphql`, SecretChangedDocument, {}, stack.authHeaders);
      expect((await stream.next(5000))?.errors?.[0]?.extensions).toMatchObject({ code: 'INVENTORY_DISABLED' });
      stream.close();
      // Query limits apply as a subscription starts: the cost of one event, here over the limit.
      const costly = await openEventStream(
        `${stack.server.url}/graphql`,
        'subscription { secretChanged { secret { ... on KmsSecret { description arn encryptionKeyId value { secretData } } } } }',
        {},
        stack.authHeaders,
      );
      expect((await costly.next(5000))?.errors?.[0]?.extensions).toMatchObject({
        code: 'QUERY_LIMIT_EXCEEDED',
        reason: 'MAX_COST',
      });
      costly.close();
      expect(Object.values(stack.emulators.servers).every((server) => server.calls('ListSecrets') === 0)).toBe(true);
    } finally {
      await stack.close();
    }
  });
});
