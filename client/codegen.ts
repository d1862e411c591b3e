import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset, type ClientPresetConfig } from '@graphql-codegen/client-preset';
import { codegen } from '@graphql-codegen/core';
import {
  createNoopProfiler, getCachedDocumentNodeFromSchema, normalizeImportExtension, type Types,
} from '@graphql-codegen/plugin-helpers';
import { printWithComments } from '@graphql-tools/utils';
import { buildASTSchema, lexicographicSortSchema, parse, Source } from 'graphql';

/**
 * graphql-codegen's client preset run through @graphql-codegen/core, as `graphql-codegen` (the CLI) runs it for
 * one output, with a schema file and .graphql documents. The CLI is not used: its URL, git and GitHub loaders
 * need Node >= 22 while package.json declares >= 20.11.
 */
export interface ClientCodegen {
  /** The schema's SDL file. */
  schema: string;
  /** .graphql operation files, or folders whose .graphql files are all read. */
  documents: string[];
  /** The folder the preset writes into, ending in '/'. */
  output: `${string}/`;
  presetConfig: ClientPresetConfig;
  config: Types.PluginConfig;
}

/**
 * Generates client/src/gql from the repository's schema.graphql and the operations in
 * client/src/operations (run from the repository root: npm run client:generate). The output is committed;
 * test/client/generated.test.ts fails when it is stale.
 */
const config: ClientCodegen = {
  schema: 'schema.graphql',
  documents: ['client/src/operations'],
  output: 'client/src/gql/',
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
    scalars: { DateTime: { input: 'string', output: 'string' }, JSONObject: { input: 'Record<string, unknown>', output: 'Record<string, unknown>' } },
    strictScalars: true,
  },
};

export default config;

function documentFiles(paths: string[], cwd: string): string[] {
  return paths.flatMap((path) => {
    const absolute = resolve(cwd, path);
    return statSync(absolute).isDirectory()
      ? readdirSync(absolute).filter((name) => name.endsWith('.graphql')).map((name) => join(absolute, name))
      : [absolute];
  });
}

/** The files the preset generates (filename relative to cwd), not yet written. */
export async function generate(codegenConfig: ClientCodegen, cwd: string): Promise<{ filename: string; content: string }[]> {
  // The CLI's loaders sort the schema and the documents (by path), and keep each document's printed text as rawSDL.
  const schemaAst = lexicographicSortSchema(buildASTSchema(
    parse(new Source(readFileSync(resolve(cwd, codegenConfig.schema), 'utf8'), resolve(cwd, codegenConfig.schema))),
    { assumeValidSDL: true },
  ));
  const documents: Types.DocumentFile[] = documentFiles(codegenConfig.documents, cwd).sort().map((location) => {
    const document = parse(new Source(readFileSync(location, 'utf8'), location));
    const rawSDL = printWithComments(document);
    return { location, document, rawSDL, hash: createHash('sha256').update(rawSDL).digest('hex'), type: 'standard' };
  });
  if (documents.length === 0) throw new Error(`no .graphql documents in ${codegenConfig.documents.join(', ')}`);

  const importExtension = normalizeImportExtension({ emitLegacyCommonJSImports: undefined, importExtension: codegenConfig.config.importExtension });
  const outputs = await preset.buildGeneratesSection({
    baseOutputDir: codegenConfig.output,
    presetConfig: codegenConfig.presetConfig,
    plugins: [],
    schema: getCachedDocumentNodeFromSchema(schemaAst),
    schemaAst,
    documents,
    config: { ...codegenConfig.config, importExtension, emitLegacyCommonJSImports: true },
    pluginMap: {},
    pluginContext: {},
    profiler: createNoopProfiler(),
    documentTransforms: [],
  });
  return Promise.all(outputs.map(async (output) => ({
    filename: output.filename,
    content: await codegen({ ...output, importExtension, emitLegacyCommonJSImports: true }),
  })));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { filename, content } of await generate(config, process.cwd())) {
    mkdirSync(dirname(filename), { recursive: true });
    writeFileSync(filename, content);
  }
}
