import type { IncomingMessage } from 'node:http';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { YogaInitialContext } from 'graphql-yoga';
import { findPendingEmails } from './accounts/email-tokens.ts';
import type { UserRecord } from './accounts/users.ts';
import type { RequestMeta } from './audit/record.ts';
import { clientAddress } from './http/client-address.ts';
import { requestState, type RequestState } from './http/request-state.ts';
import type { Services } from './services.ts';
import type { Viewer } from './viewer.ts';
import { authenticate } from './http/authenticate.ts';

export interface Context {
  readonly viewer: Viewer;
  readonly services: Services;
  readonly meta: RequestMeta;
  readonly state: RequestState;
  readonly loaders: {
    readonly users: DataLoader<string, UserRecord | undefined>;
    /** User.pendingEmail for a whole page of accounts in one query. */
    readonly pendingEmails: DataLoader<string, { email: string; expiresAt: Date } | null>;
  };
  /** The account behind the credential, loaded once per request; null when anonymous. */
  currentUser(): Promise<UserRecord | null>;
  /**
   * Claims the request's one credential check (a password, a refresh token...). A second claim, from an
   * alias or another operation of a batch, fails: a request can never multiply guesses.
   */
  claimCredentialCheck(): void;
}

export type ServerContext = YogaInitialContext & { req?: IncomingMessage };

/** Builds a fresh context for one operation: the request's credential, checked once, as a Viewer. */
export async function buildContext(services: Services, initial: ServerContext): Promise<Context> {
  const { request } = initial;
  const state = requestState(request);
  const meta: RequestMeta = {
    ip: clientAddress(request, initial.req, services.config.trustProxy),
    userAgent: request.headers.get('user-agent'),
  };
  state.viewer ??= authenticate(services, request, meta.ip);
  const viewer = await state.viewer;
  const users = new DataLoader((ids: readonly string[]) => services.users.load(ids));
  let user: Promise<UserRecord | null> | undefined;
  return {
    viewer,
    services,
    meta,
    state,
    loaders: { users, pendingEmails: new DataLoader((ids: readonly string[]) => findPendingEmails(services.database, ids)) },
    // Methods, not arrow properties: tsx (esbuild's keepNames) names each arrow with a defineProperty
    // call, on every request. Neither uses `this`.
    currentUser() {
      user ??= viewer.credential === 'ANONYMOUS' ? Promise.resolve(null) : users.load(viewer.userId).then((u) => u ?? null);
      return user;
    },
    claimCredentialCheck() {
      if (state.credentialCheckClaimed) {
        throw new GraphQLError('A request may check one credential (password, token or code) at most.', {
          extensions: { code: 'TOO_MANY_CREDENTIAL_CHECKS' },
        });
      }
      state.credentialCheckClaimed = true;
    },
  };
}
