import type { TypedDocumentString } from './gql/graphql.ts';
import { requestError, type GraphQLErrorBody, type NetworkError, type Result } from './errors.ts';

/** How a document travels: its trusted-document id (the default), or its text. */
export type DocumentMode = 'id' | 'text';

export interface Transport {
  readonly url: string;
  readonly fetch: typeof fetch;
  readonly documents: DocumentMode;
  /** COOKIE delivery: the browser sends the session cookie (credentials: 'include'). */
  readonly withCookies: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Sent<T> {
  readonly result: Result<T>;
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
}

/**
 * POSTs one operation (GraphQL over HTTP, application/json) and types the answer: data, or the first
 * top-level error, or a network error. Union members in data are left to the caller.
 */
export async function send<T, V>(
  transport: Transport, document: TypedDocumentString<T, V>, variables: V | undefined, headers: Record<string, string>,
): Promise<Sent<T>> {
  const id = document.__meta__?.hash;
  const body = transport.documents === 'id' && typeof id === 'string'
    ? { documentId: id, variables }
    : { query: document.toString(), variables };
  let response: Response;
  try {
    response = await transport.fetch(transport.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...transport.headers, ...headers },
      body: JSON.stringify(body),
      ...(transport.withCookies ? { credentials: 'include' as const } : {}),
    });
  } catch (error) {
    return { status: 0, result: { ok: false, error: network(`The request did not reach the server: ${String(error)}`) } };
  }
  let payload: { data?: T | null; errors?: readonly GraphQLErrorBody[] };
  try {
    payload = await response.json() as typeof payload;
  } catch {
    return { status: response.status, result: { ok: false, error: network(`The server answered ${response.status} without GraphQL JSON.`, response.status) } };
  }
  const [first] = payload.errors ?? [];
  if (first !== undefined) {
    return { status: response.status, result: { ok: false, error: requestError(first, response.status, response.headers.get('retry-after')) } };
  }
  if (payload.data === undefined || payload.data === null) {
    return { status: response.status, result: { ok: false, error: network('The server answered neither data nor errors.', response.status) } };
  }
  return { status: response.status, result: { ok: true, data: payload.data } };
}

function network(message: string, status?: number): NetworkError {
  return { kind: 'network', code: 'NETWORK_ERROR', message, ...(status !== undefined ? { status } : {}) };
}
