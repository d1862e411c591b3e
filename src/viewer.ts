/**
 * Who is calling (`credential` holds the contract's CredentialKind values). One credential, fully checked, or none: a Viewer is never half-valid, so resolvers
 * narrow on `credential` instead of testing optional ids.
 */
export type Viewer =
  | { readonly credential: 'ANONYMOUS'; readonly scopes: readonly [] }
  | {
      readonly credential: 'ACCESS_TOKEN';
      readonly userId: string;
      readonly sessionId: string;
      /** The OAuth client the token was issued to; `latchkey` for first-party sign-ins. */
      readonly clientId: string;
      readonly scopes: readonly string[];
    }
  | {
      readonly credential: 'SESSION_COOKIE';
      readonly userId: string;
      readonly sessionId: string;
      readonly scopes: readonly string[];
    }
  | {
      readonly credential: 'API_KEY';
      /** The key's owner: a key acts for its owner, within its own scopes. */
      readonly userId: string;
      readonly apiKeyId: string;
      readonly scopes: readonly string[];
    };

export type SignedInViewer = Exclude<Viewer, { credential: 'ANONYMOUS' }>;
export type SessionViewer = Extract<Viewer, { credential: 'ACCESS_TOKEN' | 'SESSION_COOKIE' }>;

export const ANONYMOUS: Viewer = Object.freeze({ credential: 'ANONYMOUS', scopes: [] as const });

export function isSignedIn(viewer: Viewer): viewer is SignedInViewer {
  return viewer.credential !== 'ANONYMOUS';
}

/** The account the credential acts for; null when anonymous. */
export function userIdOf(viewer: Viewer): string | null {
  return isSignedIn(viewer) ? viewer.userId : null;
}

/** True when the credential belongs to a signed-in session (not an API key). */
export function hasSession(viewer: Viewer): viewer is SessionViewer {
  return viewer.credential === 'ACCESS_TOKEN' || viewer.credential === 'SESSION_COOKIE';
}
