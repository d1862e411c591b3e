import { failure, isFailureMember, type RequestError, type Result, type UnauthenticatedReason } from './errors.ts';
import {
  ApiKeysDocument, CreateApiKeyDocument, LoginDocument, LogoutDocument, RefreshDocument, RevokeApiKeyDocument, SignUpDocument,
  VerifyApiKeyDocument, ViewerDocument,
  type ApiKeysQueryVariables, type CreateApiKeyInput, type LoginInput, type LoginMutation, type SignUpInput, type SignUpMutation,
  type TypedDocumentString,
} from './gql/graphql.ts';
import { send, type DocumentMode, type Transport } from './transport.ts';

/** A TOKENS session: keep it in memory (or where `onTokens` puts it); the refresh token is single use. */
export interface Tokens {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: string;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: string;
}

/** Why the client holds no session any more: signOut(), or the server refused it (RFC 6750 §3.1 reasons). */
export type SignedOutReason = 'signed-out' | UnauthenticatedReason;

export interface LatchkeyClientOptions {
  /** The GraphQL endpoint, e.g. https://auth.example.com/graphql. */
  readonly url: string;
  /** TOKENS (default): access and refresh token in memory. COOKIE: the HttpOnly session cookie, for web apps. */
  readonly delivery?: 'TOKENS' | 'COOKIE';
  /** API-key calls: every request carries X-API-Key, and there is no session to keep. */
  readonly apiKey?: string;
  /** A TOKENS session saved earlier, to resume. */
  readonly tokens?: Tokens | null;
  /** Called with every new token pair (after sign-in and each refresh), and with null when the session ends. */
  readonly onTokens?: (tokens: Tokens | null) => void;
  /** Called once when the session ends, saying why. */
  readonly onSignedOut?: (reason: SignedOutReason) => void;
  /** `id` (default): send each operation's trusted-document id; `text`: send the document itself. */
  readonly documents?: DocumentMode;
  readonly fetch?: typeof fetch;
  /** Milliseconds since the epoch; the device clock by default. */
  readonly now?: () => number;
}

export interface SignedIn {
  readonly user: { readonly id: string; readonly email: string; readonly name: string | null; readonly emailVerified: boolean };
  readonly session: { readonly id: string; readonly expiresAt: string };
}

/** Refresh this long before the access token's expiry, so that a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 5_000;

/**
 * Latchkey for a frontend. Every call answers a Result: the data, or one typed error from either channel.
 * With TOKENS it keeps the access token fresh: an access token at (or past) its expiry is refreshed once
 * before the request leaves, and a 401 with reason `expired` refreshes and retries once; concurrent
 * requests share one refresh. A 401 with reason `revoked` or `invalid`, or a refused refresh, ends the
 * session (onSignedOut). With COOKIE the cookie slides on the server and there is nothing to refresh.
 */
export class LatchkeyClient {
  readonly #transport: Transport;
  readonly #options: LatchkeyClientOptions;
  readonly #now: () => number;
  #tokens: Tokens | null;
  #endedBecause: UnauthenticatedReason = 'invalid';
  #refreshing: Promise<boolean> | null = null;

  constructor(options: LatchkeyClientOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.tokens ?? null;
    this.#transport = {
      url: options.url,
      fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
      documents: options.documents ?? 'id',
      withCookies: options.delivery === 'COOKIE',
      headers: options.apiKey === undefined ? {} : { 'x-api-key': options.apiKey },
    };
  }

  /** The current TOKENS session, or null. */
  get tokens(): Tokens | null {
    return this.#tokens;
  }

  /** Runs any generated document with the client's credential, keeping the session fresh. */
  async request<T, V>(document: TypedDocumentString<T, V>, ...[variables]: {} extends V ? [V?] : [V]): Promise<Result<T>> {
    if (this.#tokens !== null && Date.parse(this.#tokens.accessTokenExpiresAt) - EXPIRY_MARGIN_MS <= this.#now()) {
      // A session that ends here answers 401 as the server would have; never a silent anonymous request.
      if (!(await this.#refresh()) && this.#tokens === null) return { ok: false, error: this.#ended() };
    }
    const token = this.#tokens?.accessToken;
    const first = await send(this.#transport, document, variables, bearer(token));
    if (first.result.ok || first.result.error.code !== 'UNAUTHENTICATED') return first.result;
    const { reason } = first.result.error;
    if (token === undefined) {
      if (this.#transport.withCookies && reason !== undefined) this.#signedOut(reason);
      return first.result;
    }
    if (reason !== 'expired') {
      if (this.#tokens?.accessToken === token) this.#signedOut(reason ?? 'invalid');
      return first.result;
    }
    // Another request may have refreshed while this one was out: then its token is the one to use.
    if (this.#tokens?.accessToken === token && !(await this.#refresh())) {
      return this.#tokens === null ? { ok: false, error: this.#ended() } : first.result;
    }
    if (this.#tokens === null) return { ok: false, error: this.#ended() };
    return (await send(this.#transport, document, variables, bearer(this.#tokens.accessToken))).result;
  }

  /** Creates an account and signs in to it. */
  async signUp(input: Omit<SignUpInput, 'delivery'>): Promise<Result<SignedIn>> {
    const sent = await send(this.#transport, SignUpDocument, { input: { ...input, delivery: this.#delivery } }, {});
    return sent.result.ok ? this.#startSession(sent.result.data.signUp) : sent.result;
  }

  /** Signs in with an email and password. */
  async signIn(input: Omit<LoginInput, 'delivery'>): Promise<Result<SignedIn>> {
    const sent = await send(this.#transport, LoginDocument, { input: { ...input, delivery: this.#delivery } }, {});
    return sent.result.ok ? this.#startSession(sent.result.data.login) : sent.result;
  }

  /** Ends this session (or every session of the account) on the server, then forgets it here. */
  async signOut(options: { everywhere?: boolean } = {}): Promise<Result<{ revokedSessions: number }>> {
    const result = await this.request(LogoutDocument, { input: { everywhere: options.everywhere ?? false } });
    if (this.#tokens !== null || this.#transport.withCookies) this.#signedOut('signed-out');
    return result.ok ? { ok: true, data: result.data.logout } : result;
  }

  /** Who the client's credential is (ANONYMOUS when signed out). */
  async viewer() {
    return mapData(await this.request(ViewerDocument), (data) => data.viewer);
  }

  /** A page of the caller's API keys, newest first. */
  async apiKeys(variables: ApiKeysQueryVariables = {}) {
    return mapData(await this.request(ApiKeysDocument, variables), (data) => data.apiKeys);
  }

  /** Creates an API key; its secret is in this answer only. */
  async createApiKey(input: CreateApiKeyInput) {
    return unwrap(await this.request(CreateApiKeyDocument, { input }), (data) => data.createApiKey);
  }

  /** Revokes an API key at once. */
  async revokeApiKey(id: string) {
    return unwrap(await this.request(RevokeApiKeyDocument, { id }), (data) => data.revokeApiKey);
  }

  /** For services: checks a key they were handed (needs the scope apikeys:verify). */
  async verifyApiKey(key: string) {
    return mapData(await this.request(VerifyApiKeyDocument, { key }), (data) => data.verifyApiKey);
  }

  get #delivery(): 'TOKENS' | 'COOKIE' {
    return this.#transport.withCookies ? 'COOKIE' : 'TOKENS';
  }

  #startSession(member: SignUpMutation['signUp'] | LoginMutation['login']): Result<SignedIn> {
    switch (member.__typename) {
      case 'TokenAuthPayload':
        this.#setTokens(member.tokens);
        return { ok: true, data: { user: member.user, session: member.session } };
      case 'CookieAuthPayload':
        return { ok: true, data: { user: member.user, session: member.session } };
      default:
        return { ok: false, error: failure(member) };
    }
  }

  /** One refresh at a time: every caller that finds the token expired awaits the same one. */
  #refresh(): Promise<boolean> {
    this.#refreshing ??= this.#exchangeRefreshToken().finally(() => {
      this.#refreshing = null;
    });
    return this.#refreshing;
  }

  async #exchangeRefreshToken(): Promise<boolean> {
    const tokens = this.#tokens;
    if (tokens === null) return false;
    // No Authorization header: the expired access token would be refused before refresh could run.
    const sent = await send(this.#transport, RefreshDocument, { input: { refreshToken: tokens.refreshToken } }, {});
    if (this.#tokens !== tokens) return this.#tokens !== null;
    if (!sent.result.ok) {
      // A network failure or a 5xx keeps the session: the refresh token was not spent.
      if (sent.result.error.kind === 'request' && sent.result.error.code === 'UNAUTHENTICATED') this.#signedOut('invalid');
      return false;
    }
    const member = sent.result.data.refresh;
    if (member.__typename === 'TokenAuthPayload') {
      this.#setTokens(member.tokens);
      return true;
    }
    if (member.__typename === 'InvalidTokenError') {
      this.#signedOut(Date.parse(tokens.refreshTokenExpiresAt) <= this.#now() ? 'expired' : 'revoked');
    }
    return false;
  }

  #setTokens(tokens: Tokens): void {
    this.#tokens = {
      accessToken: tokens.accessToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      refreshToken: tokens.refreshToken, refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    };
    this.#options.onTokens?.(this.#tokens);
  }

  /** The 401 a request gets when its session ended while it waited. */
  #ended(): RequestError {
    return {
      kind: 'request', code: 'UNAUTHENTICATED', status: 401, reason: this.#endedBecause,
      message: 'The session ended (its refresh token was refused); sign in again.',
    };
  }

  #signedOut(reason: SignedOutReason): void {
    if (reason !== 'signed-out') this.#endedBecause = reason;
    const hadTokens = this.#tokens !== null;
    this.#tokens = null;
    if (hadTokens) this.#options.onTokens?.(null);
    this.#options.onSignedOut?.(reason);
  }
}

function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

function mapData<T, U>(result: Result<T>, pick: (data: T) => U): Result<U> {
  return result.ok ? { ok: true, data: pick(result.data) } : result;
}

/** A result union's member: the success as data, an Error member as a failure. */
function unwrap<T, M>(result: Result<T>, pick: (data: T) => M): Result<Exclude<M, { code: string; message: string }>> {
  if (!result.ok) return result;
  const member = pick(result.data);
  return isFailureMember(member) ? { ok: false, error: failure(member) } : { ok: true, data: member as Exclude<M, { code: string; message: string }> };
}
