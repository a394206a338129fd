import type { CodegenConfig } from '@graphql-codegen/cli';
import { printGatewaySchema } from './src/schema/index.js';

/**
 * `npm run codegen` writes schema.graphql (committed) and typed documents for the test
 * operations; `npm test` runs it with --check and fails when either is stale.
 */
const config: CodegenConfig = {
  schema: printGatewaySchema(),
  documents: ['test/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  importExtension: '.js',
  generates: {
    'schema.graphql': { plugins: ['schema-ast'], config: { includeDirectives: true } },
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;
