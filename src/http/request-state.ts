import type { ApiKeyRecord } from '../apikeys/key.ts';
import type { RateLimitDecision } from '../apikeys/rate-limit.ts';
import type { Viewer } from '../viewer.ts';

/**
 * What one HTTP request carries across the operations of a batch: its credential (checked once),
 * the response headers resolvers ask for, and the one credential check it may make.
 */
export interface RequestState {
  viewer?: Promise<Viewer>;
  readonly setCookies: string[];
  /** Set when the response carries a token or sets a session cookie. */
  noStore: boolean;
  /** The server's current DPoP nonce, for the answer to a request whose proof passed (RFC 9449 §9). */
  dpopNonce?: string;
  credentialCheckClaimed: boolean;
  /** The API key the request was made with, counted once the response is known. */
  apiKeyId?: string;
  /** That key's record as authentication found it (from the verifier's NOTIFY-invalidated cache). */
  apiKey?: ApiKeyRecord;
  /** The key's rate-limit budget after this request, for the RateLimit headers. */
  rateLimit?: RateLimitDecision;
  /** Set when any operation of the request answered with errors. */
  hadErrors: boolean;
}

const states = new WeakMap<Request, RequestState>();

export function requestState(request: Request): RequestState {
  let state = states.get(request);
  if (state === undefined) {
    state = { setCookies: [], noStore: false, credentialCheckClaimed: false, hadErrors: false };
    states.set(request, state);
  }
  return state;
}

export function peekRequestState(request: Request): RequestState | undefined {
  return states.get(request);
}

/** Called once the response is complete (useRequestRelease): see there for why. */
export function forgetRequestState(request: Request): void {
  states.delete(request);
}
