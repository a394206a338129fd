import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNoUnacceptedBreakingChanges, breakingChanges } from '../../scripts/schema-guard.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';

const { subgraphSdl } = buildSchema(PROVIDER_CATALOG);

describe('breaking-change guard on subgraph.graphql', () => {
  it('finds removed fields and changed key types, not additions', async () => {
    const removed = subgraphSdl.replace(/\n {2}owingService: String\n/, '\n');
    expect((await breakingChanges(subgraphSdl, removed)).map((c) => c.message)).toEqual([
      "Field 'owingService' was removed from object type 'KmsSecret'",
    ]);
    const retyped = subgraphSdl.replace(/type RelatedApp([\s\S]*?)appId: String!/, 'type RelatedApp$1appId: Int!');
    expect(await breakingChanges(subgraphSdl, retyped)).not.toHaveLength(0);
    const added = subgraphSdl.replace(/\n {2}owingService: String\n/, '\n  owingService: String\n  newField: String\n');
    expect(await breakingChanges(subgraphSdl, added)).toHaveLength(0);
  });

  it('stops codegen unless the break is accepted on purpose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-guard-'));
    const committed = join(dir, 'subgraph.graphql');
    writeFileSync(committed, subgraphSdl);
    const removed = subgraphSdl.replace(/\n {2}owingService: String\n/, '\n');
    await expect(assertNoUnacceptedBreakingChanges(committed, removed, {})).rejects.toThrow(
      /owingService' was removed/,
    );
    await expect(
      assertNoUnacceptedBreakingChanges(committed, removed, { ACCEPT_BREAKING_SCHEMA: '1' }),
    ).resolves.toBeUndefined();
    await expect(assertNoUnacceptedBreakingChanges(committed, subgraphSdl, {})).resolves.toBeUndefined();
  });
});
