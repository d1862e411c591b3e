import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { TrustedDocumentsConfig } from '../config.ts';
import type { Context } from '../context.ts';
import { isAdmin } from '../graphql/admin.ts';

/** The manifest graphql-codegen's client preset writes for the repository's own client (client/codegen.ts). */
export const CLIENT_MANIFEST = fileURLToPath(new URL('../../client/src/gql/persisted-documents.json', import.meta.url));

/** A document id is `sha256:` and the hex SHA-256 of the document's text, as the client preset prints it. */
const DOCUMENT_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * Reads the client's manifest and every TRUSTED_DOCUMENTS_FILES manifest (`{ "sha256:<hex>": "<document>" }`),
 * and parses each document once. Throws, naming the file and the id, when an id is not the SHA-256 of its
 * text or a document does not validate against the schema: a stale manifest stops start-up, not a request.
 */
export function loadTrustedDocuments(
  files: readonly string[], schema: GraphQLSchema, builtIn: Readonly<Record<string, Readonly<Record<string, string>>>> = {},
): ReadonlyMap<string, DocumentNode> {
  const documents = new Map<string, DocumentNode>();
  // Manifests the server itself ships (the admin console's), by name, checked like the files.
  const sources: [string, () => unknown][] = [
    ...[CLIENT_MANIFEST, ...files].map((file): [string, () => unknown] => [file, () => JSON.parse(readFileSync(file, 'utf8'))]),
    ...Object.entries(builtIn).map(([name, manifest]): [string, () => unknown] => [name, () => manifest]),
  ];
  for (const [file, read] of sources) {
    let manifest: unknown;
    try {
      manifest = read();
    } catch (error) {
      throw new Error(`trusted documents: ${file}: cannot read it as JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
      throw new Error(`trusted documents: ${file} is not a JSON object of document ids to documents`);
    }
    for (const [id, text] of Object.entries(manifest)) {
      const at = `${file}: ${id}`;
      if (!DOCUMENT_ID.test(id) || typeof text !== 'string') throw new Error(`trusted documents: ${at} is not "sha256:<hex>": "<document>"`);
      if (`sha256:${createHash('sha256').update(text).digest('hex')}` !== id) {
        throw new Error(`trusted documents: ${at} is not the SHA-256 of its document`);
      }
      let document: DocumentNode;
      try {
        document = parse(text);
      } catch (error) {
        throw new Error(`trusted documents: ${at} does not parse: ${error instanceof Error ? error.message : String(error)}`);
      }
      const [invalid] = validate(schema, document);
      if (invalid !== undefined) throw new Error(`trusted documents: ${at} does not fit the schema: ${invalid.message}`);
      documents.set(id, document);
    }
  }
  return documents;
}

/**
 * The document id of a request: GraphQL-over-HTTP's `documentId`, or Apollo's
 * `extensions.persistedQuery.sha256Hash` (what most clients send), prefixed as the manifest is.
 */
function documentIdOf(params: GraphQLParams & { documentId?: unknown }): string | null {
  if (typeof params.documentId === 'string') return params.documentId;
  const persisted = (params.extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? `sha256:${persisted.sha256Hash}` : null;
}

const refusal = (message: string, code: string, status: number) => ({ message, extensions: { code, http: { status } } });

const UNKNOWN_DOCUMENT = refusal('No trusted document has this id; send the document id your build generated.', 'UNKNOWN_DOCUMENT', 400);
const DOCUMENT_REQUIRED = refusal(
  'This server runs trusted documents only: send the documentId of a known operation, not its text.', 'TRUSTED_DOCUMENT_REQUIRED', 403,
);
const NOTHING_TO_RUN = refusal('Send a query, or the documentId of a trusted document.', 'BAD_REQUEST', 400);
const BOTH = refusal('Send either a query or a documentId, not both.', 'BAD_REQUEST', 400);

/** Any credential the context builder would read (Authorization, X-API-Key, the session cookie). */
function carriesCredential(request: Request): boolean {
  return request.headers.has('authorization') || request.headers.has('x-api-key') || request.headers.has('cookie');
}

/**
 * Runs known documents by id without parsing them: the parsed document is handed to Yoga, whose validation
 * cache is keyed by that very object, so each trusted document is validated once (with every rule, the
 * operation limits included) and never again. In `only` mode, query text is refused with 403
 * TRUSTED_DOCUMENT_REQUIRED before it is parsed, unless the request carries a credential, which must then be
 * an admin's (checked once the context is built): GraphiQL and ad-hoc queries stay for admins.
 */
export function useTrustedDocuments(documents: ReadonlyMap<string, DocumentNode>, config: TrustedDocumentsConfig): Plugin[] {
  const adHoc = new WeakSet<Request>();
  return [
    {
      onParams({ params, request }) {
        const withId = params as GraphQLParams & { documentId?: unknown };
        if (withId.documentId !== undefined && params.query !== undefined) throw new GraphQLError(BOTH.message, BOTH);
        if (params.query !== undefined) adHoc.add(request);
      },
      onResponse({ request }) {
        adHoc.delete(request);
      },
    },
    usePersistedOperations({
      getPersistedOperation: (id) => documents.get(id) ?? null,
      extractPersistedOperationId: documentIdOf,
      allowArbitraryOperations: config.mode === 'accept' ? true : carriesCredential,
      customErrors: { notFound: UNKNOWN_DOCUMENT, persistedQueryOnly: DOCUMENT_REQUIRED, keyNotFound: NOTHING_TO_RUN },
    }),
    {
      async onExecute({ args, setResultAndStopExecution }) {
        if (config.mode === 'accept') return;
        const context = args.contextValue as unknown as Context & { readonly request: Request };
        if (adHoc.has(context.request) && !(await isAdmin(context))) {
          setResultAndStopExecution({ errors: [new GraphQLError(DOCUMENT_REQUIRED.message, DOCUMENT_REQUIRED)] });
        }
      },
    },
  ];
}
