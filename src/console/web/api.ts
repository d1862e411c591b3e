/** A refusal from /graphql: a request error (`extensions.code`) or a union member implementing Error. */
export class ApiError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: readonly { readonly message: string; readonly extensions?: { readonly code?: string } }[];
}

const ids = new Map<string, Promise<string>>();

/** A trusted document's id, `sha256:` and the hex SHA-256 of its text, as the server lists it. */
function documentIdOf(query: string): Promise<string> {
  let id = ids.get(query);
  if (id === undefined) {
    id = crypto.subtle.digest('SHA-256', new TextEncoder().encode(query))
      .then((hash) => `sha256:${[...new Uint8Array(hash)].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`);
    ids.set(query, id);
  }
  return id;
}

/**
 * Runs one of the console's operations (operations.ts) against the public API with the session cookie, as
 * any other client would: by its trusted document id, which the server knows for the console's documents.
 * The CSRF header is the one /graphql asks of cookie requests (src/http/csrf.ts); a JSON body already
 * needs a preflight, the header says so explicitly.
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const documentId = await documentIdOf(query);
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', 'x-graphql-yoga-csrf': '1' },
      body: JSON.stringify({ documentId, variables }),
    });
  } catch {
    throw new ApiError('The server cannot be reached.', 'NETWORK');
  }
  let body: GraphQLResponse<T>;
  try {
    body = (await response.json()) as GraphQLResponse<T>;
  } catch {
    throw new ApiError(`The server answered ${response.status} without a GraphQL body.`, 'BAD_RESPONSE');
  }
  const [error] = body.errors ?? [];
  if (error !== undefined) throw new ApiError(error.message, error.extensions?.code ?? 'ERROR');
  if (body.data == null) throw new ApiError('The server answered no data.', 'BAD_RESPONSE');
  return body.data;
}

/** A mutation's union answer: the payload when its __typename is `expected`, else its Error member thrown. */
export function expectType<T extends { readonly __typename: string }>(result: T, expected: T['__typename']): T {
  if (result.__typename === expected) return result;
  const error = result as unknown as { message?: string; code?: string };
  throw new ApiError(error.message ?? `Unexpected answer ${result.__typename}.`, error.code ?? result.__typename);
}
