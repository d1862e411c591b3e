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
  credentialCheckClaimed: boolean;
}

const states = new WeakMap<Request, RequestState>();

export function requestState(request: Request): RequestState {
  let state = states.get(request);
  if (state === undefined) {
    state = { setCookies: [], noStore: false, credentialCheckClaimed: false };
    states.set(request, state);
  }
  return state;
}

export function peekRequestState(request: Request): RequestState | undefined {
  return states.get(request);
}
