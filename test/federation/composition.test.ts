import { readFileSync } from 'node:fs';
import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices } from '@theguild/federation-composition';
import { buildASTSchema, type GraphQLEnumType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { PROVIDER_CATALOG, PROVIDER_MODULES } from '../../src/providers/index.js';
import { buildSchema } from '../../src/schema/index.js';
import { APPS_SDL, APPS_TYPE_DEFS } from './apps-subgraph.js';
import { withOneKeyPerEntity } from './router-bugs.js';

const { subgraphSdl } = buildSchema(PROVIDER_CATALOG);

describe('the subgraph composes into a supergraph', () => {
  it('subgraph.graphql is what the served _service answers', () => {
    expect(readFileSync(new URL('../../subgraph.graphql', import.meta.url), 'utf8').trim()).toBe(subgraphSdl.trim());
  });

  it('composes with an apps subgraph that extends RelatedApp, references Secret by both keys and has its own node field', () => {
    const result = composeServices([
      { name: 'secrets', typeDefs: parse(subgraphSdl), url: 'http://secrets.local/graphql' },
      { name: 'apps', typeDefs: APPS_TYPE_DEFS, url: 'http://apps.local/graphql' },
    ]);
    expect(result.errors ?? []).toEqual([]);
    const sdl = result.supergraphSdl!;
    expect(sdl).toMatch(/type RelatedApp[\s\S]*deployments: \[Deployment!\]!/);
    expect(sdl).toMatch(/interface Secret[\s\S]*usedByDeployments/);
    // Only the apps subgraph answers Query.node: ours is left out of the SDL, so nothing clashes.
    expect(sdl).toMatch(/node\(id: ID!\): Node @join__field\(graph: APPS\)/);
  });

  it('would not compose if node were in the SDL of two subgraphs (why it is left out)', () => {
    const withNode = subgraphSdl.replace(/type Query\s*\{/, 'type Query {\n  node(id: ID!): Node\n');
    const result = composeServices([
      { name: 'secrets', typeDefs: parse(withNode), url: 'http://secrets.local/graphql' },
      { name: 'apps', typeDefs: APPS_TYPE_DEFS, url: 'http://apps.local/graphql' },
    ]);
    expect(result.errors?.length ?? 0).toBeGreaterThan(0);
  });

  // What the README promises other subgraphs ("What other subgraphs may copy").
  describe.each([
    ['@apollo/composition', composeWithApollo],
    ['@theguild/federation-composition', composeServices],
  ] as const)('with %s, a copy of Provider with any values merges by union (ours is output-only)', (_, compose) => {
    const ours = PROVIDER_MODULES.map((module) => module.name);
    it.each([
      [
        'the four values before AWS (the frozen apps subgraph)',
        ['ALIBABA_SAE', 'ALIBABA_APIG', 'ALIBABA_KMS', 'HUAWEI_CSMS'],
      ],
      ['one value', ['HUAWEI_CSMS']],
      ['a value we do not have yet', [...ours, 'GCP_SECRET_MANAGER']],
    ])('%s', (_, values) => {
      const copy = APPS_SDL.replace(/enum Provider \{[^}]*\}/, `enum Provider { ${values.join(' ')} }`);
      expect(copy).not.toBe(APPS_SDL);
      const result = compose([
        { name: 'secrets', typeDefs: parse(subgraphSdl), url: 'http://secrets.local/graphql' },
        { name: 'apps', typeDefs: parse(copy), url: 'http://apps.local/graphql' },
      ]);
      expect(result.errors ?? []).toEqual([]);
      const supergraph = buildASTSchema(parse(result.supergraphSdl!), { assumeValidSDL: true });
      const valuesOf = (name: string) =>
        (supergraph.getType(name) as GraphQLEnumType)
          .getValues()
          .map((v) => v.name)
          .sort();
      expect(valuesOf('Provider')).toEqual([...new Set([...ours, ...values])].sort());
      // The filter's own enum is ours alone: every provider we serve, whatever the copies hold.
      expect(valuesOf('SecretFilterProvider')).toEqual([...ours].sort());
    });
  });

  // Why the supergraph is composed with @apollo/composition (README, "Referencing secrets from another subgraph").
  it("@apollo/composition keeps @external on the apps subgraph's Secret key fields; federation-composition 0.27 drops it", () => {
    const subgraphs = [
      { name: 'secrets', typeDefs: parse(subgraphSdl), url: 'http://secrets.local/graphql' },
      { name: 'apps', typeDefs: APPS_TYPE_DEFS, url: 'http://apps.local/graphql' },
    ];
    const secretInterface = (sdl: string) => sdl.match(/interface Secret[\s\S]*?\n}/)![0];
    const apollo = composeWithApollo(subgraphs);
    expect(apollo.errors).toBeUndefined();
    for (const field of ['id: ID!', 'provider: Provider!', 'sourceId: ID!', 'namespaceId: String!', 'name: String!']) {
      expect(secretInterface(apollo.supergraphSdl!)).toContain(
        `${field} @join__field(graph: APPS, external: true) @join__field(graph: SECRETS)`,
      );
    }
    const guild = composeServices(subgraphs);
    expect(guild.errors).toBeUndefined();
    expect(secretInterface(guild.supergraphSdl!)).not.toContain('external: true');
    // Without a @join__field, a field is resolvable in every subgraph that defines the type: apps too.
    expect(secretInterface(guild.supergraphSdl!)).toMatch(/\n {2}name: String!\n/);
  });

  // Why the one-@key shape Hive Gateway would need is not adopted (README, "Hive Gateway").
  it('without the natural key on Secret, a subgraph declaring Secret by natural key does not compose', () => {
    const result = composeWithApollo([
      { name: 'secrets', typeDefs: parse(withOneKeyPerEntity(subgraphSdl)), url: 'http://secrets.local/graphql' },
      { name: 'apps', typeDefs: APPS_TYPE_DEFS, url: 'http://apps.local/graphql' },
    ]);
    expect(result.errors?.length).toBeGreaterThan(0);
    expect(result.errors!.map((e) => e.message).join('\n')).toMatch(/Secret\.provider/);
  });

  it("without @provides, the apps subgraph's @external key fields leave no way to our subgraph (composition fails)", () => {
    const withoutProvides = APPS_SDL.replaceAll(/ @provides\(fields: "[^"]*"\)/g, '');
    expect(withoutProvides).not.toBe(APPS_SDL);
    const result = composeWithApollo([
      { name: 'secrets', typeDefs: parse(subgraphSdl), url: 'http://secrets.local/graphql' },
      { name: 'apps', typeDefs: parse(withoutProvides), url: 'http://apps.local/graphql' },
    ]);
    expect(result.errors!.map((e) => e.message).join('\n')).toMatch(
      /cannot move to subgraph "secrets" using @key\(fields: "provider sourceId namespaceId name"\) of "Secret", the key field\(s\) cannot be resolved from subgraph "apps"/,
    );
  });
});
