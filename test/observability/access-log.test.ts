import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpUser } from '../helpers/users.ts';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

function capture() {
  const lines: Line[] = [];
  const logger = pino({ level: 'info' }, { write: (text: string) => void lines.push(JSON.parse(text) as Line) });
  return { logger, requests: () => lines.filter((line) => line.msg === 'request') };
}

describe(`the access log (${ENGINE})`, () => {
  const log = capture();
  const quiet = capture();
  let app: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    [app, off] = await Promise.all([startTestApp({ logger: log.logger }), startTestApp({ logger: quiet.logger, env: { ACCESS_LOG: 'false' } })]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([app?.close(), off?.close()]);
  });

  it('writes one info line per request: method, path, status, duration, request id, credential kind, operation; never a secret', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken);
    const before = log.requests().length;

    const login = await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }, { headers: { 'x-request-id': 'req-login-1' } });
    expect(login.body.data.login.__typename).toBe('AuthPayload');
    await app.gql('query Me { viewer { credential } }', {}, { bearer: user.accessToken, headers: { 'x-request-id': 'req-token-1' } });
    await app.gql('query Me { viewer { credential } }', {}, { headers: { 'x-api-key': key.secret, 'x-request-id': 'req-key-1' } });
    await app.gql('query Me { viewer { credential } }', {}, { bearer: 'not-a-token', headers: { 'x-request-id': 'req-bad-1' } });
    const authorize = await app.fetch('/oauth/authorize?client_id=nope&code_challenge=secret-challenge&state=secret-state', { headers: { 'x-request-id': 'req-page-1' } });
    await authorize.text();

    const lines = log.requests().slice(before);
    expect(lines).toHaveLength(5);
    const byId = new Map(lines.map((line) => [line.requestId, line]));
    expect(byId.get('req-login-1')).toMatchObject({ level: 30, method: 'POST', path: '/graphql', status: 200, credential: 'none', operations: ['Login'] });
    expect(byId.get('req-token-1')).toMatchObject({ method: 'POST', path: '/graphql', status: 200, credential: 'access_token', operations: ['Me'] });
    expect(byId.get('req-key-1')).toMatchObject({ status: 200, credential: 'api_key', operations: ['Me'] });
    expect(byId.get('req-bad-1')).toMatchObject({ status: 401, credential: 'access_token' });
    expect(byId.get('req-page-1')).toMatchObject({ method: 'GET', path: '/oauth/authorize', status: authorize.status, credential: 'none' });
    for (const line of lines) {
      expect(typeof line.durationMs).toBe('number');
      expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
    }

    const text = JSON.stringify(lines);
    for (const secret of [PASSWORD, user.accessToken, user.refreshToken, key.secret, 'secret-state', 'secret-challenge', 'not-a-token', user.email]) {
      expect(text).not.toContain(secret);
    }
  });

  it('writes none with ACCESS_LOG=false', async () => {
    await off.gql('query Me { viewer { credential } }');
    expect((await off.fetch('/healthz')).status).toBe(200);
    expect(quiet.requests()).toEqual([]);
  });
});
