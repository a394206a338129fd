import { readFileSync } from 'node:fs';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { subgraphSdl } from '../../src/schema/index.js';
import { APPS_TYPE_DEFS } from './apps-subgraph.js';

describe('the subgraph composes into a supergraph', () => {
  it('subgraph.graphql is what the served _service answers', () => {
    expect(readFileSync(new URL('../../subgraph.graphql', import.meta.url), 'utf8').trim()).toBe(subgraphSdl.trim());
  });

  it('composes with an apps subgraph that extends RelatedApp, references Secret and has its own node field', () => {
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
});
