import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildASTSchema, type GraphQLEnumType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  assertNoUnacceptedBreakingChanges,
  assertOtherSubgraphsCompose,
  breakingChanges,
  compositionErrors,
  keyEnumsUsedAsInput,
} from '../../scripts/schema-guard.js';
import { PROVIDER_CATALOG } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { APPS_SDL } from './apps-subgraph.js';
import { withOneKeyPerEntity } from './router-bugs.js';

const { schema, subgraphSdl } = buildSchema(PROVIDER_CATALOG);

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

describe("the guard keeps other teams' frozen subgraphs composing", () => {
  const providerValues = (enumType: unknown) => (enumType as GraphQLEnumType).getValues().map((v) => v.name);
  /** The shape before: the filter took `Provider` itself. */
  const providerAsInput = subgraphSdl.replace('providers: [SecretFilterProvider!]', 'providers: [Provider!]');
  const enumMismatch = (composer: string, input: string) =>
    `with "apps" (${composer}): Enum type "Provider" is used as both input type (for example, as type of "${input}") and output type (for example, as type of "Secret.provider"), but value "AWS_SECRETS_MANAGER" is not defined in all the subgraphs defining "Provider": "AWS_SECRETS_MANAGER" is defined in subgraph "secrets" but not in subgraph "apps"`;

  it("the frozen apps subgraph's Provider has the four values it knew before AWS; ours has more", () => {
    const frozen = buildASTSchema(parse(APPS_SDL), { assumeValidSDL: true }).getType('Provider');
    expect(providerValues(frozen)).toEqual(['ALIBABA_SAE', 'ALIBABA_APIG', 'ALIBABA_KMS', 'HUAWEI_CSMS']);
    expect(providerValues(schema.getType('Provider'))).toContain('AWS_SECRETS_MANAGER');
  });

  it('the served SDL composes with it, with both composers: Provider is output-only, the filter has its own enum', () => {
    expect(keyEnumsUsedAsInput(subgraphSdl)).toEqual([]);
    expect(compositionErrors(subgraphSdl)).toEqual([]);
    expect(() => assertOtherSubgraphsCompose(subgraphSdl)).not.toThrow();
    expect(providerValues(schema.getType('SecretFilterProvider'))).toEqual(providerValues(schema.getType('Provider')));
  });

  it('Provider as the filter type again (the shape before): both composers fail on AWS_SECRETS_MANAGER, and so does the guard', () => {
    expect(providerAsInput).not.toBe(subgraphSdl);
    expect(keyEnumsUsedAsInput(providerAsInput)).toEqual([
      'enum Provider is the type of key field Secret.provider and of input SecretFilter.providers',
    ]);
    expect(compositionErrors(providerAsInput)).toEqual([
      enumMismatch('@apollo/composition', 'SecretFilter.providers'),
      enumMismatch('@theguild/federation-composition', 'SecretFilter.providers'),
    ]);
    expect(() => assertOtherSubgraphsCompose(providerAsInput)).toThrow(/would break other teams' subgraphs/);
  });

  it('catches what the breaking-change diff calls safe: a new argument of type Provider, a dropped key', async () => {
    const withArgument = subgraphSdl.replace(
      'namespaces(sources: [ID!])',
      'namespaces(sources: [ID!], provider: Provider)',
    );
    expect(withArgument).not.toBe(subgraphSdl);
    expect(await breakingChanges(subgraphSdl, withArgument)).toEqual([]);
    expect(keyEnumsUsedAsInput(withArgument)).toEqual([
      'enum Provider is the type of key field Secret.provider and of input Query.namespaces(provider:)',
    ]);
    expect(compositionErrors(withArgument)).toEqual([
      enumMismatch('@apollo/composition', 'Query.namespaces(provider:)'),
      enumMismatch('@theguild/federation-composition', 'Query.namespaces(provider:)'),
    ]);

    // The apps subgraph keys Secret by natural key: without it on ours, @apollo/composition refuses.
    const oneKey = withOneKeyPerEntity(subgraphSdl);
    expect(await breakingChanges(subgraphSdl, oneKey)).toEqual([]);
    expect(compositionErrors(oneKey)).toContainEqual(
      expect.stringMatching(/^with "apps" \(@apollo\/composition\): Non-shareable field "AwsSecret.name"/),
    );
    expect(() => assertOtherSubgraphsCompose(oneKey)).toThrow(/Non-shareable field/);
  });
});
