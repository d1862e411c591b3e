import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Generates client/src/gql from the repository's schema.graphql and the operations in
 * client/src/operations (run from the repository root: npm run client:generate). The output is committed;
 * test/client/generated.test.ts fails when it is stale.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['client/src/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'client/src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // persisted-documents.json: hash → document, the list the server trusts (src/http/trusted-documents.ts).
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        importExtension: '.ts',
        // RFC 3339 date-times travel as strings; the client parses none of them for you.
        scalars: { DateTime: { input: 'string', output: 'string' } },
        strictScalars: true,
      },
    },
  },
};

export default config;
