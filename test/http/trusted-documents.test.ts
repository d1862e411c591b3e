import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignUpDocument, ViewerDocument } from '../../client/src/gql/graphql.ts';
import { buildSchema } from '../../src/graphql/schema.ts';
import { CLIENT_MANIFEST, loadTrustedDocuments } from '../../src/http/trusted-documents.ts';
import { startTestApp, type GqlResponse, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { makeAdmin, PASSWORD, uniqueEmail, type SignedUp } from '../helpers/users.ts';

// Trusted documents (persisted operations): the repository's client's operations, by the id the client
// preset gave them, and in TRUSTED_DOCUMENTS=only mode nothing else, except for admins.

const DOCUMENTS = { SignUp: SignUpDocument, Viewer: ViewerDocument };
const idOf = (name: keyof typeof DOCUMENTS): string => DOCUMENTS[name].__meta__!.hash as string;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function post(app: TestApp, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResponse> {
  const response = await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, body: await response.json() as GqlResponse['body'] };
}

async function signUpById(app: TestApp): Promise<SignedUp> {
  const email = uniqueEmail('trusted');
  const { body } = await post(app, { documentId: idOf('SignUp'), variables: { input: { email, password: PASSWORD } } });
  const result = body.data?.signUp;
  if (result?.__typename !== 'TokenAuthPayload') throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { email, userId: result.user.id, sessionId: result.session.id, accessToken: result.tokens.accessToken, refreshToken: result.tokens.refreshToken };
}

const userCount = async (app: TestApp) => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from users`))[0]!.n;

describe(`trusted documents, accepted beside query text (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('runs a known document by its GraphQL-over-HTTP documentId', async () => {
    const alice = await signUpById(app);
    const { status, body } = await post(app, { documentId: idOf('Viewer') }, { authorization: `Bearer ${alice.accessToken}` });
    expect(status).toBe(200);
    expect(body).toEqual({ data: { viewer: expect.objectContaining({ credential: 'ACCESS_TOKEN', user: expect.objectContaining({ email: alice.email }) }) } });
  });

  it("runs a known document by Apollo's extensions.persistedQuery", async () => {
    const hash = idOf('Viewer').slice('sha256:'.length);
    const { status, body } = await post(app, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    expect(status).toBe(200);
    expect(body.data.viewer).toMatchObject({ credential: 'ANONYMOUS', user: null });
  });

  it('still runs query text', async () => {
    const { status, body } = await app.gql('{ viewer { credential } }');
    expect(status).toBe(200);
    expect(body).toEqual({ data: { viewer: { credential: 'ANONYMOUS' } } });
  });

  it.each([
    ['an unknown id', { documentId: `sha256:${sha256('query { viewer { credential } }')}` }, 400, 'UNKNOWN_DOCUMENT'],
    ['an id that is no hash', { documentId: 'Viewer' }, 400, 'UNKNOWN_DOCUMENT'],
    ['an id and a query at once', { documentId: idOf('Viewer'), query: '{ viewer { credential } }' }, 400, 'BAD_REQUEST'],
    ['neither an id nor a query', { variables: {} }, 400, 'BAD_REQUEST'],
  ])('refuses %s with a clear error', async (_what, body, status, code) => {
    const response = await post(app, body);
    expect(response.status).toBe(status);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors).toEqual([expect.objectContaining({ message: expect.any(String), extensions: { code } })]);
  });
});

describe(`TRUSTED_DOCUMENTS=only (${ENGINE})`, () => {
  let app: TestApp;
  let extra: string;
  const deep = `query Aliased { ${Array.from({ length: 16 }, (_, i) => `a${i}: viewer { credential }`).join(' ')} }`;
  const otherApp = 'query OtherApp { viewer { credential scopes } }';

  beforeAll(async () => {
    extra = mkdtempSync(join(tmpdir(), 'latchkey-trusted-'));
    writeFileSync(join(extra, 'other-app.json'), JSON.stringify({ [`sha256:${sha256(otherApp)}`]: otherApp, [`sha256:${sha256(deep)}`]: deep }));
    app = await startTestApp({ env: { TRUSTED_DOCUMENTS: 'only', TRUSTED_DOCUMENTS_FILES: join(extra, 'other-app.json') } });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(extra, { recursive: true, force: true });
  });

  it('runs the client\'s documents and those of another app\'s manifest', async () => {
    const alice = await signUpById(app);
    const bearer = { authorization: `Bearer ${alice.accessToken}` };
    expect((await post(app, { documentId: idOf('Viewer') }, bearer)).body.data.viewer.user.email).toBe(alice.email);
    const other = await post(app, { documentId: `sha256:${sha256(otherApp)}` }, bearer);
    expect(other.status).toBe(200);
    expect(other.body.data.viewer.credential).toBe('ACCESS_TOKEN');
  });

  it('refuses query text from an anonymous caller with 403 before anything runs', async () => {
    const before = await userCount(app);
    const { status, body } = await app.gql('mutation ($input: SignUpInput!) { signUp(input: $input) { __typename } }', {
      input: { email: uniqueEmail('adhoc'), password: PASSWORD },
    });
    expect(status).toBe(403);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: expect.stringContaining('trusted documents only'), extensions: { code: 'TRUSTED_DOCUMENT_REQUIRED' } }]);
    expect(await userCount(app)).toBe(before);
  });

  it('refuses query text from a signed-in user who is no admin', async () => {
    const bob = await signUpById(app);
    const { status, body } = await app.gql('{ viewer { credential } }', {}, { bearer: bob.accessToken });
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'TRUSTED_DOCUMENT_REQUIRED' });
  });

  it('runs query text for an admin (GraphiQL, ad-hoc queries)', async () => {
    const admin = await signUpById(app);
    await makeAdmin(app, admin);
    const { status, body } = await app.gql('{ viewer { credential user { roles } } }', {}, { bearer: admin.accessToken });
    expect(status).toBe(200);
    expect(body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN', user: { roles: ['admin'] } });
  });

  it('refuses an unknown document id with 400 UNKNOWN_DOCUMENT', async () => {
    const { status, body } = await post(app, { documentId: `sha256:${sha256('{ viewer { credential } }')}` });
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'UNKNOWN_DOCUMENT' });
  });

  it('holds trusted documents to the operation limits all the same', async () => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const { status, body } = await post(app, { documentId: `sha256:${sha256(deep)}` });
      expect(status).toBe(400);
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'ALIAS_LIMIT_EXCEEDED' });
    }
  });
});

describe('the manifests', () => {
  it("hold every operation of the client, under the id the client sends", () => {
    const manifest = JSON.parse(readFileSync(CLIENT_MANIFEST, 'utf8')) as Record<string, string>;
    for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${sha256(text)}`);
    expect(Object.keys(manifest)).toContain(idOf('Viewer'));
    expect(loadTrustedDocuments([], buildSchema()).size).toBe(Object.keys(manifest).length);
  });

  it.each([
    ['an id that is not the hash of its document', (text: string) => ({ [`sha256:${sha256(`${text} `)}`]: text }), 'is not the SHA-256 of its document'],
    ['a document the schema does not have', () => ({ [`sha256:${sha256('{ nothing }')}`]: '{ nothing }' }), 'does not fit the schema'],
    ['a list instead of an object', () => ['{ viewer { credential } }'], 'is not a JSON object'],
    ['a file that is not there', () => undefined, 'cannot read'],
  ])('stop start-up, naming the file, for %s', (_what, build, why) => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-trusted-'));
    const file = join(dir, 'bad.json');
    const content = build('{ viewer { credential } }');
    if (content !== undefined) writeFileSync(file, JSON.stringify(content));
    try {
      expect(() => loadTrustedDocuments([file], buildSchema())).toThrow(new RegExp(`${file}.*${why}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
