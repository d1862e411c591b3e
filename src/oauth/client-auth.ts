import type { Database } from '../db/client.ts';
import { authenticateClient, type OAuthClientRecord } from './clients.ts';

export type ClientAuthentication =
  | { readonly ok: true; readonly client: OAuthClientRecord }
  /** `basic`: the client tried HTTP Basic, so the 401 carries `WWW-Authenticate: Basic` (RFC 6749 §5.2). */
  | { readonly ok: false; readonly error: 'invalid_client'; readonly basic: boolean }
  /** More than one method in one request (RFC 6749 §2.3): a malformed request, not a failed authentication. */
  | { readonly ok: false; readonly error: 'invalid_request' };

const failed = (basic: boolean): ClientAuthentication => ({ ok: false, error: 'invalid_client', basic });

/**
 * Authenticates the client of a token, revocation or introspection request (RFC 6749 §2.3.1):
 * client_secret_basic (the Authorization header, each part form-urlencoded), client_secret_post (form
 * client_id and client_secret), or none (a public client's bare client_id). One method per request: the
 * Authorization header and a client_secret in the body together are invalid_request (§2.3, §5.2).
 */
export async function authenticateClientRequest(database: Database, request: Request, form: URLSearchParams): Promise<ClientAuthentication> {
  const header = request.headers.get('authorization');
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  if (header !== null) {
    const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
    const decoded = match === null ? '' : Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (formSecret !== null) return { ok: false, error: 'invalid_request' };
    if (colon < 1) return failed(true);
    let id: string;
    let secret: string;
    try {
      id = decodeURIComponent(decoded.slice(0, colon).replaceAll('+', ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replaceAll('+', ' '));
    } catch {
      return failed(true);
    }
    if (formId !== null && formId !== id) return failed(true);
    const client = await authenticateClient(database, id, secret);
    return client === undefined ? failed(true) : { ok: true, client };
  }
  if (formId === null) return failed(false);
  const client = await authenticateClient(database, formId, formSecret);
  return client === undefined ? failed(false) : { ok: true, client };
}
