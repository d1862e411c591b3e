import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import type { RequestOptions, TestApp } from './app.ts';
import type { SignedUp } from './users.ts';

export const START_REGISTRATION = /* GraphQL */ `
  mutation { startPasskeyRegistration { __typename ... on PasskeyCreationOptions { json } ... on Error { code message } } }`;

export const FINISH_REGISTRATION = /* GraphQL */ `
  mutation Finish($input: FinishPasskeyRegistrationInput!) {
    finishPasskeyRegistration(input: $input) {
      __typename
      ... on PasskeyRegistered { passkey { id name synced backedUp transports createdAt lastUsedAt } recoveryCodes }
      ... on Error { code message }
    }
  }`;

export const START_SIGN_IN = /* GraphQL */ `
  mutation { startPasskeySignIn { __typename ... on PasskeyRequestOptions { json } ... on Error { code } ... on RateLimitedError { retryAfterSeconds } } }`;

export const FINISH_SIGN_IN = /* GraphQL */ `
  mutation Finish($input: FinishPasskeySignInInput!) {
    finishPasskeySignIn(input: $input) {
      __typename
      ... on AuthPayload { user { id email } session { id } }
      ... on TokenAuthPayload { tokens { accessToken refreshToken } }
      ... on Error { code message }
    }
  }`;

export const START_REAUTHENTICATION = /* GraphQL */ `
  mutation { startPasskeyReauthentication { __typename ... on PasskeyRequestOptions { json } ... on Error { code } } }`;

export const MY_PASSKEYS = /* GraphQL */ `
  { me { secondFactors { methods recoveryCodesLeft passkeys { id name synced backedUp transports createdAt lastUsedAt } } } }`;

/** A Chromium page on `origin` with a DevTools virtual authenticator: CTAP2, internal, resident keys, user verification. */
export interface AuthenticatorPage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly cdp: CDPSession;
  authenticatorId: string;
  /** navigator.credentials.create() with options JSON from the API; the credential's JSON, or the error's name. */
  create(optionsJson: string): Promise<string>;
  /** navigator.credentials.get() with options JSON from the API; the credential's JSON, or the error's name. */
  get(optionsJson: string, change?: Record<string, unknown>): Promise<string>;
  /** The authenticator's credentials, private keys included (WebAuthn.getCredentials). */
  credentials(): Promise<VirtualCredential[]>;
  /** Swaps the authenticator for a new, empty one, optionally holding copies of `credentials`. */
  replaceAuthenticator(credentials?: readonly VirtualCredential[]): Promise<void>;
  close(): Promise<void>;
}

export interface VirtualCredential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId: string;
  readonly privateKey: string;
  readonly userHandle: string;
  readonly signCount: number;
}

const AUTHENTICATOR = {
  protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
} as const;

/**
 * Opens a blank page at `origin`/passkey-test. Playwright answers the request itself, so the page is on
 * that origin without the server having such a page, and the ceremony runs where a site's page would.
 */
export async function openAuthenticatorPage(browser: Browser, origin: string): Promise<AuthenticatorPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${origin}/passkey-test`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><html lang="en"><title>Passkey test</title></html>' }));
  await page.goto(`${origin}/passkey-test`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const add = async () => (await cdp.send('WebAuthn.addVirtualAuthenticator', { options: AUTHENTICATOR })).authenticatorId;
  const ceremony = (kind: 'create' | 'get') => (optionsJson: string, change: Record<string, unknown> = {}) =>
    page.evaluate(async ({ kind, optionsJson, change }) => {
      const json = { ...JSON.parse(optionsJson), ...change };
      try {
        const credential = kind === 'create'
          ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json) })
          : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json) });
        return JSON.stringify((credential as PublicKeyCredential).toJSON());
      } catch (error) {
        return (error as Error).name;
      }
    }, { kind, optionsJson, change });
  const handle: AuthenticatorPage = {
    page, context, cdp, authenticatorId: await add(),
    create: ceremony('create'),
    get: ceremony('get'),
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId: handle.authenticatorId })).credentials as VirtualCredential[],
    replaceAuthenticator: async (credentials = []) => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: handle.authenticatorId });
      handle.authenticatorId = await add();
      for (const credential of credentials) await cdp.send('WebAuthn.addCredential', { authenticatorId: handle.authenticatorId, credential });
    },
    close: () => context.close(),
  };
  return handle;
}

/** Registers a passkey from the page for a signed-in user; returns the registration's answer. */
export async function registerPasskey(app: TestApp, user: SignedUp, page: AuthenticatorPage, name = 'Laptop', options: RequestOptions = {}) {
  const started = (await app.gql(START_REGISTRATION, {}, { bearer: user.accessToken, ...options })).body.data?.startPasskeyRegistration;
  if (started?.__typename !== 'PasskeyCreationOptions') throw new Error(`registration did not start: ${JSON.stringify(started)}`);
  const response = await page.create(started.json);
  const finished = (await app.gql(FINISH_REGISTRATION, { input: { response, name } }, { bearer: user.accessToken, ...options })).body.data?.finishPasskeyRegistration;
  return { options: JSON.parse(started.json), response, finished };
}
