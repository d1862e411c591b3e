import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CREATE_KEY } from '../helpers/apikeys.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

// DateTime is specified by RFC 3339 (its @specifiedBy); test/hardening/malformed-input.test.ts sends what it refuses.
describe(`the DateTime scalar (${ENGINE})`, () => {
  let app: TestApp;
  let user: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    user = await signUpUser(app);
  });
  afterAll(() => app?.close());

  const expiresAt = async (value: string) => {
    const { body } = await app.gql(CREATE_KEY, { input: { name: 'dated', expiresAt: value } }, { bearer: user.accessToken });
    return body.data?.createApiKey?.apiKey?.expiresAt ?? body;
  };

  it('reads every RFC 3339 date-time form and answers the same instant in UTC, with milliseconds', async () => {
    expect(await expiresAt('2030-06-01T12:00:00Z')).toBe('2030-06-01T12:00:00.000Z');
    expect(await expiresAt('2030-06-01t12:00:00z')).toBe('2030-06-01T12:00:00.000Z');
    expect(await expiresAt('2030-06-01T14:30:00+02:30')).toBe('2030-06-01T12:00:00.000Z');
    expect(await expiresAt('2030-06-01T12:00:00.123456-00:00')).toBe('2030-06-01T12:00:00.123Z');
    expect(await expiresAt('2028-02-29T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
  });

  it('is announced as RFC 3339 in the schema, for code generators', async () => {
    const { body } = await app.gql('{ __type(name: "DateTime") { kind specifiedByURL } }');
    expect(body.data.__type).toEqual({ kind: 'SCALAR', specifiedByURL: 'https://www.rfc-editor.org/rfc/rfc3339' });
  });
});
