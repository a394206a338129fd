import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsPageDocument, type SecretFilter, type SecretsPageQuery } from '../generated/graphql.js';
import { expectedKeys, keyOfGlobalId, SOURCE, type ProviderKey } from '../helpers/expected.js';
import { expectData, startStack, type Stack } from '../helpers/stack.js';

async function walkForward(stack: Stack, filter: SecretFilter, first: number): Promise<string[]> {
  const keys: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 5000; page++) {
    const data: SecretsPageQuery = expectData(await stack.execute(SecretsPageDocument, { first, after, filter }));
    const { edges, pageInfo } = data.secrets;
    expect(edges.length).toBeLessThanOrEqual(first);
    keys.push(...edges.map((e) => keyOfGlobalId(e.node.id)));
    if (!pageInfo.hasNextPage) return keys;
    expect(pageInfo.endCursor).toBeTruthy();
    after = pageInfo.endCursor ?? null;
  }
  throw new Error('walk did not end');
}

async function walkBackward(stack: Stack, filter: SecretFilter, last: number): Promise<string[]> {
  const keys: string[] = [];
  let before: string | null = null;
  for (let page = 0; page < 5000; page++) {
    const data: SecretsPageQuery = expectData(await stack.execute(SecretsPageDocument, { last, before, filter }));
    const { edges, pageInfo } = data.secrets;
    keys.unshift(...edges.map((e) => keyOfGlobalId(e.node.id)));
    if (!pageInfo.hasPreviousPage) return keys;
    before = pageInfo.startCursor ?? null;
  }
  throw new Error('walk did not end');
}

const PROVIDERS = Object.keys(SOURCE) as ProviderKey[];

describe('forward walks return every secret exactly once, in a stable order', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  for (const provider of PROVIDERS) {
    it(`${provider}: first 1, 7 and 100 over the whole inventory`, async () => {
      const expected = expectedKeys(stack.emulators, provider);
      expect(expected.length).toBeGreaterThanOrEqual(250);
      for (const first of [1, 7, 100]) {
        const keys = await walkForward(stack, { sources: [SOURCE[provider]] }, first);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toEqual(expected);
      }
    });
  }

  it('secrets across all sources: first 100 and 33 give the concatenation of every source', async () => {
    const expected = PROVIDERS.flatMap((p) => expectedKeys(stack.emulators, p));
    for (const first of [100, 33]) expect(await walkForward(stack, {}, first)).toEqual(expected);
  });

  for (const provider of ['sae', 'apig', 'kms'] as const) {
    it(`${provider}: backward walks with last 7 and 100 give the same order`, async () => {
      const expected = expectedKeys(stack.emulators, provider);
      for (const last of [7, 100])
        expect(await walkBackward(stack, { sources: [SOURCE[provider]] }, last)).toEqual(expected);
    });
  }

  it('every edge cursor of a page, not only the end cursor, continues right after its edge (and before it, backward)', async () => {
    // A page crossing from SAE into APIG, so that edges come from two segments.
    const filter: SecretFilter = { providers: ['ALIBABA_SAE', 'ALIBABA_APIG'] };
    const all = (['sae', 'apig'] as const).flatMap((p) => expectedKeys(stack.emulators, p));
    const start = expectedKeys(stack.emulators, 'sae').length - 3;
    let before: string | null = null;
    for (let read = 0; read < start; ) {
      const first = Math.min(100, start - read);
      before =
        expectData(await stack.execute(SecretsPageDocument, { first, after: before, filter })).secrets.pageInfo
          .endCursor ?? null;
      read += first;
    }
    const page = expectData(await stack.execute(SecretsPageDocument, { first: 8, after: before, filter })).secrets
      .edges;
    expect(page.map((e) => keyOfGlobalId(e.node.id))).toEqual(all.slice(start, start + 8));
    for (const [i, edge] of page.entries()) {
      const next = expectData(await stack.execute(SecretsPageDocument, { first: 2, after: edge.cursor, filter }))
        .secrets.edges;
      expect(next.map((e) => keyOfGlobalId(e.node.id))).toEqual(all.slice(start + i + 1, start + i + 3));
      const previous = expectData(await stack.execute(SecretsPageDocument, { last: 1, before: edge.cursor, filter }))
        .secrets.edges;
      expect(previous.map((e) => keyOfGlobalId(e.node.id))).toEqual([all[start + i - 1]]);
    }
  });

  it('backward across all Alibaba sources', async () => {
    const expected = (['sae', 'apig', 'kms'] as const).flatMap((p) => expectedKeys(stack.emulators, p));
    expect(await walkBackward(stack, { providers: ['ALIBABA_SAE', 'ALIBABA_APIG', 'ALIBABA_KMS'] }, 50)).toEqual(
      expected,
    );
  });
});

describe('provider ambiguities are handled both ways', () => {
  it('CSMS pages that repeat their marker row, and times in seconds', async () => {
    const stack = await startStack({
      csms: { markerInclusive: true, timestampUnit: 's' },
      apig: { timestampUnit: 's', successCode: 200 },
    });
    try {
      const expected = expectedKeys(stack.emulators, 'csms');
      for (const first of [1, 7, 100])
        expect(await walkForward(stack, { sources: [SOURCE.csms] }, first)).toEqual(expected);
      expect(await walkForward(stack, { sources: [SOURCE.apig] }, 100)).toEqual(expectedKeys(stack.emulators, 'apig'));
    } finally {
      await stack.close();
    }
  });
});

describe('a rolling upgrade: replicas with compatibleCursors write what earlier releases read', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  /** The payload inside a cursor (base64url JSON before the MAC), as an earlier release reads it. */
  const payloadOf = (cursor: string) => JSON.parse(Buffer.from(cursor.split('.')[0], 'base64url').toString('utf8'));

  it('a walk sent to either replica, page by page, returns every secret once; SAE positions are bare rows', async () => {
    stack.config.compatibleCursors = true;
    const compatible = await stack.replica();
    stack.config.compatibleCursors = false;
    const replicas = [stack, compatible];
    // A filter, so that a row of the filtered list differs from a row of the whole one.
    for (const filter of [{ sources: [SOURCE.sae], nameContains: 'a' }, {}]) {
      // What one replica returns (the walks above hold it to the emulators' data).
      const expected = await walkForward(stack, filter, 100);
      if (filter.nameContains) {
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(expectedKeys(stack.emulators, 'sae').length);
      }
      const keys: string[] = [];
      let after: string | null = null;
      for (let page = 0; ; page++) {
        const on = replicas[page % 2];
        const data: SecretsPageQuery = expectData(await on.execute(SecretsPageDocument, { first: 7, after, filter }));
        keys.push(...data.secrets.edges.map((e) => keyOfGlobalId(e.node.id)));
        for (const edge of data.secrets.edges.filter((e) => e.node.provider === 'ALIBABA_SAE')) {
          const { p } = payloadOf(edge.cursor);
          if (on === compatible) expect(typeof p, 'a bare row').toBe('number');
          else expect(p, 'a row and a key').toMatch(/^\d+:/);
        }
        if (!data.secrets.pageInfo.hasNextPage) break;
        after = data.secrets.pageInfo.endCursor ?? null;
      }
      expect(keys).toEqual(expected);
    }
  });
});
