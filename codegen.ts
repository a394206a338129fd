import type { CodegenConfig } from '@graphql-codegen/cli';
import { assertNoUnacceptedBreakingChanges, assertOtherSubgraphsCompose } from './scripts/schema-guard.js';
import { PROVIDER_CATALOG } from './src/providers/index.js';
import { buildSchema } from './src/schema/index.js';

const { printGatewaySchema, subgraphSdl } = buildSchema(PROVIDER_CATALOG);

// A breaking change to the federation contract stops codegen (and so `npm test`) until accepted;
// one that other teams' frozen subgraphs would not compose with stops it, accepted or not.
await assertNoUnacceptedBreakingChanges('subgraph.graphql', subgraphSdl);
assertOtherSubgraphsCompose(subgraphSdl);

/**
 * `npm run codegen` writes schema.graphql (the client API), subgraph.graphql (the federation SDL
 * with @link and @key) and typed documents for the test operations, all committed; `npm test`
 * runs it with --check and fails when any of them is stale.
 */
const config: CodegenConfig = {
  schema: printGatewaySchema(),
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  importExtension: '.js',
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: true } },
    'subgraph.graphql': { plugins: [{ add: { content: subgraphSdl } }] },
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;
