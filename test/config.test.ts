import { describe, expect, it } from 'vitest';
import { DEVELOPMENT_SECRETS_KEY, loadConfig, type Config } from '../src/config.ts';

type Env = Record<string, string>;

/** The config of a good environment; fails the test with the problems of a bad one. */
function configOf(env: Env): Config {
  const result = loadConfig(env);
  if (!result.ok) throw new Error(`expected a good configuration, got: ${result.problems.join('; ')}`);
  return result.config;
}

/** The problem lines of a bad environment; fails the test when it is accepted. */
function problemsOf(env: Env): readonly string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error(`expected a bad configuration, got: ${JSON.stringify(result.config)}`);
  return result.problems;
}

const provider = {
  id: 'acme', name: 'Acme', issuer: 'https://id.acme.test', clientId: 'latchkey', clientSecret: 'shh',
};
const providers = (...entries: unknown[]) => JSON.stringify(entries);

describe('loadConfig', () => {
  describe('with an empty environment', () => {
    it('uses the documented defaults', () => {
      expect(configOf({})).toEqual({
        port: 4000,
        host: '127.0.0.1',
        database: { kind: 'pglite', dataDir: './.data' },
        publicUrl: 'http://localhost:4000',
        admin: null,
        allowedOrigins: [],
        oidcProviders: [],
        redisUrl: null,
        accessTokenTtl: 900,
        trustProxy: false,
        production: false,
        logLevel: 'info',
        usageFlushSeconds: 5,
        webauthn: { rpId: 'localhost', origins: ['http://localhost:4000'] },
        maxQueryCost: 5000,
        mail: { smtpUrl: null, from: 'Latchkey <no-reply@localhost>', linkBaseUrl: 'http://localhost:4000' },
        requireVerifiedEmail: false,
        signingKeyRotationDays: 90,
        trustedDocuments: { mode: 'accept', files: [] },
        secrets: { key: DEVELOPMENT_SECRETS_KEY, previousKeys: [], isDevelopmentKey: true },
        requireAdminMfa: false,
        pages: { productName: 'Latchkey', logoUrl: null, primaryColor: '#2457c5', stylesheetUrl: null },
        drainSeconds: 0,
        accessLog: true,
        metricsToken: null,
        otlpEndpoint: null,
        adminConsole: true,
        dpopRequireNonce: false,
      });
    });

    it('derives the default PUBLIC_URL from PORT', () => {
      expect(configOf({ PORT: '5000' }).publicUrl).toBe('http://localhost:5000');
    });

    it('treats a variable set to blanks as unset', () => {
      expect(configOf({ PORT: '', DATA_DIR: '  ', ALLOWED_ORIGINS: '' })).toEqual(configOf({}));
    });
  });

  it('returns a config frozen all the way down', () => {
    const config = configOf({
      DATABASE_URL: 'postgres://u@db/x',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'correct horse battery staple',
      ALLOWED_ORIGINS: 'https://a.example',
      OIDC_PROVIDERS: providers(provider),
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.admin)).toBe(true);
    expect(Object.isFrozen(config.allowedOrigins)).toBe(true);
    expect(Object.isFrozen(config.oidcProviders)).toBe(true);
    expect(Object.isFrozen(config.oidcProviders[0])).toBe(true);
    expect(() => (config.allowedOrigins as string[]).push('https://evil.example')).toThrow(TypeError);
  });

  describe('reads every documented variable', () => {
    it('reads SECRETS_KEY and the keys it replaced, 32 bytes each in base64', () => {
      const key = Buffer.alloc(32, 7);
      const old = Buffer.alloc(32, 9);
      expect(configOf({ SECRETS_KEY: key.toString('base64'), SECRETS_KEY_PREVIOUS: ` ${old.toString('base64url')} ` }).secrets)
        .toEqual({ key, previousKeys: [old], isDevelopmentKey: false });
      expect(configOf({ REQUIRE_ADMIN_MFA: 'true' }).requireAdminMfa).toBe(true);
    });

    it('binds passkeys to PUBLIC_URL\'s host, or to a parent domain and extra origins under it', () => {
      expect(configOf({ PUBLIC_URL: 'https://id.example.com/auth' }).webauthn).toEqual({ rpId: 'id.example.com', origins: ['https://id.example.com'] });
      expect(configOf({
        PUBLIC_URL: 'https://id.example.com', WEBAUTHN_RP_ID: 'Example.com', WEBAUTHN_ORIGINS: 'https://app.example.com, https://example.com:8443/',
      }).webauthn).toEqual({ rpId: 'example.com', origins: ['https://id.example.com', 'https://app.example.com', 'https://example.com:8443'] });
    });

    it.each<[string, Env, Partial<Config>]>([
      ['PORT', { PORT: '8080' }, { port: 8080, publicUrl: 'http://localhost:8080' }],
      ['HOST', { HOST: '0.0.0.0' }, { host: '0.0.0.0' }],
      ['DATABASE_URL postgres://', { DATABASE_URL: 'postgres://u:p@db.internal:5433/latchkey' },
        { database: { kind: 'postgres', url: 'postgres://u:p@db.internal:5433/latchkey' } }],
      ['DATABASE_URL postgresql://', { DATABASE_URL: 'postgresql://u@db/latchkey' },
        { database: { kind: 'postgres', url: 'postgresql://u@db/latchkey' } }],
      ['DATA_DIR', { DATA_DIR: '/var/lib/latchkey' }, { database: { kind: 'pglite', dataDir: '/var/lib/latchkey' } }],
      ['DATA_DIR memory://', { DATA_DIR: 'memory://' }, { database: { kind: 'pglite', dataDir: 'memory://' } }],
      ['PUBLIC_URL', { PUBLIC_URL: 'https://id.example.com' }, { publicUrl: 'https://id.example.com' }],
      ['PUBLIC_URL without its trailing slash', { PUBLIC_URL: 'https://id.example.com/' }, { publicUrl: 'https://id.example.com' }],
      ['PUBLIC_URL with a path', { PUBLIC_URL: 'https://example.com/auth/' }, { publicUrl: 'https://example.com/auth' }],
      ['ADMIN_EMAIL and ADMIN_PASSWORD', { ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'correct horse battery staple' },
        { admin: { email: 'admin@example.com', password: 'correct horse battery staple' } }],
      ['ALLOWED_ORIGINS as a comma list with spaces', { ALLOWED_ORIGINS: ' https://a.com , http://localhost:3000,,https://b.example:8443 ' },
        { allowedOrigins: ['https://a.com', 'http://localhost:3000', 'https://b.example:8443'] }],
      ['OIDC_PROVIDERS', { OIDC_PROVIDERS: providers(provider) }, { oidcProviders: [{ ...provider, trusted: false }] }],
      ['OIDC_PROVIDERS with trusted: true', { OIDC_PROVIDERS: providers({ ...provider, trusted: true }) },
        { oidcProviders: [{ ...provider, trusted: true }] }],
      ['OIDC_PROVIDERS with an http issuer on loopback', { OIDC_PROVIDERS: providers({ ...provider, issuer: 'http://127.0.0.1:9000' }) },
        { oidcProviders: [{ ...provider, issuer: 'http://127.0.0.1:9000', trusted: false }] }],
      ['OIDC_PROVIDERS with two providers', { OIDC_PROVIDERS: providers(provider, { ...provider, id: 'other', name: 'Other' }) },
        { oidcProviders: [{ ...provider, trusted: false }, { ...provider, id: 'other', name: 'Other', trusted: false }] }],
      ['REDIS_URL', { REDIS_URL: 'redis://cache:6379/0' }, { redisUrl: 'redis://cache:6379/0' }],
      ['REDIS_URL rediss://', { REDIS_URL: 'rediss://user:pw@cache:6380' }, { redisUrl: 'rediss://user:pw@cache:6380' }],
      ['ACCESS_TOKEN_TTL', { ACCESS_TOKEN_TTL: '300' }, { accessTokenTtl: 300 }],
      ['ACCESS_TOKEN_TTL at its maximum', { ACCESS_TOKEN_TTL: '3600' }, { accessTokenTtl: 3600 }],
      ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, { trustProxy: true }],
      ['TRUST_PROXY=false', { TRUST_PROXY: 'false' }, { trustProxy: false }],
      ['NODE_ENV=production', { NODE_ENV: 'production' }, { production: true }],
      ['NODE_ENV=development', { NODE_ENV: 'development' }, { production: false }],
      ['LOG_LEVEL=debug', { LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
      ['USAGE_FLUSH_SECONDS', { USAGE_FLUSH_SECONDS: '0.5' }, { usageFlushSeconds: 0.5 }],
      ['GRAPHQL_MAX_COST', { GRAPHQL_MAX_COST: '20000' }, { maxQueryCost: 20_000 }],
      ['SIGNING_KEY_ROTATION_DAYS', { SIGNING_KEY_ROTATION_DAYS: '30' }, { signingKeyRotationDays: 30 }],
      ['SIGNING_KEY_ROTATION_DAYS of 0 (never)', { SIGNING_KEY_ROTATION_DAYS: '0' }, { signingKeyRotationDays: null }],
      ['TRUSTED_DOCUMENTS=only with two manifests', { TRUSTED_DOCUMENTS: 'only', TRUSTED_DOCUMENTS_FILES: 'a.json, /b/c.json' },
        { trustedDocuments: { mode: 'only', files: ['a.json', '/b/c.json'] } }],
      ['SMTP_URL', { SMTP_URL: 'smtps://mailer:pw@smtp.example.com:465' },
        { mail: { smtpUrl: 'smtps://mailer:pw@smtp.example.com:465', from: 'Latchkey <no-reply@localhost>', linkBaseUrl: 'http://localhost:4000' } }],
      ['SMTP_URL smtp:// with options', { SMTP_URL: 'smtp://127.0.0.1:2525?ignoreTLS=true' },
        { mail: { smtpUrl: 'smtp://127.0.0.1:2525?ignoreTLS=true', from: 'Latchkey <no-reply@localhost>', linkBaseUrl: 'http://localhost:4000' } }],
      ['MAIL_FROM with a name', { MAIL_FROM: 'Acme Accounts <accounts@acme.example>' },
        { mail: { smtpUrl: null, from: 'Acme Accounts <accounts@acme.example>', linkBaseUrl: 'http://localhost:4000' } }],
      ['MAIL_FROM as a bare address', { MAIL_FROM: 'accounts@acme.example' },
        { mail: { smtpUrl: null, from: 'accounts@acme.example', linkBaseUrl: 'http://localhost:4000' } }],
      ['FRONTEND_URL as the base of links', { FRONTEND_URL: 'https://app.example.com/account/' },
        { mail: { smtpUrl: null, from: 'Latchkey <no-reply@localhost>', linkBaseUrl: 'https://app.example.com/account' } }],
      ['PUBLIC_URL as the base of links without FRONTEND_URL', { PUBLIC_URL: 'https://id.example.com' },
        { mail: { smtpUrl: null, from: 'Latchkey <no-reply@localhost>', linkBaseUrl: 'https://id.example.com' } }],
      ['REQUIRE_VERIFIED_EMAIL=true', { REQUIRE_VERIFIED_EMAIL: 'true' }, { requireVerifiedEmail: true }],
      ['REQUIRE_VERIFIED_EMAIL=false', { REQUIRE_VERIFIED_EMAIL: 'false' }, { requireVerifiedEmail: false }],
    ])('reads %s', (_what, env, expected) => {
      expect(configOf(env)).toMatchObject(expected);
    });
  });

  describe('refuses a bad value with exactly one line that names the variable', () => {
    it.each<[string, Env, string]>([
      ['PORT that is not a number', { PORT: 'abc' }, 'PORT'],
      ['PORT 0', { PORT: '0' }, 'PORT'],
      ['PORT above 65535', { PORT: '70000' }, 'PORT'],
      ['PORT with a fraction', { PORT: '80.5' }, 'PORT'],
      ['HOST with a space', { HOST: 'local host' }, 'HOST'],
      ['DATABASE_URL of another database', { DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL'],
      ['DATABASE_URL that is not a URL', { DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
      ['PUBLIC_URL that is not http(s)', { PUBLIC_URL: 'ftp://x' }, 'PUBLIC_URL'],
      ['PUBLIC_URL with a query', { PUBLIC_URL: 'https://id.example.com/?tenant=1' }, 'PUBLIC_URL'],
      ['PUBLIC_URL with a fragment', { PUBLIC_URL: 'https://id.example.com/#x' }, 'PUBLIC_URL'],
      ['PUBLIC_URL with credentials', { PUBLIC_URL: 'https://u:p@id.example.com' }, 'PUBLIC_URL'],
      ['PUBLIC_URL that is not a URL', { PUBLIC_URL: 'id.example.com' }, 'PUBLIC_URL'],
      ['ALLOWED_ORIGINS with a path', { ALLOWED_ORIGINS: 'https://a.com/x' }, 'ALLOWED_ORIGINS'],
      ['ALLOWED_ORIGINS with a trailing slash', { ALLOWED_ORIGINS: 'https://ok.com,https://a.com/' }, 'ALLOWED_ORIGINS'],
      ['ALLOWED_ORIGINS with a non-URL', { ALLOWED_ORIGINS: 'a.com' }, 'ALLOWED_ORIGINS'],
      ['ALLOWED_ORIGINS that is not http(s)', { ALLOWED_ORIGINS: 'ftp://a.com' }, 'ALLOWED_ORIGINS'],
      ['OIDC_PROVIDERS that is not JSON', { OIDC_PROVIDERS: '[{id: acme}]' }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS that is not an array', { OIDC_PROVIDERS: JSON.stringify(provider) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with an entry that is not an object', { OIDC_PROVIDERS: '["acme"]' }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with an entry missing clientSecret',
        { OIDC_PROVIDERS: providers({ ...provider, clientSecret: undefined }) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with an empty clientId', { OIDC_PROVIDERS: providers({ ...provider, clientId: '' }) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with a duplicate id', { OIDC_PROVIDERS: providers(provider, { ...provider, name: 'Again' }) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with an id that is not a slug', { OIDC_PROVIDERS: providers({ ...provider, id: 'Acme Corp' }) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with an http issuer off loopback',
        { OIDC_PROVIDERS: providers({ ...provider, issuer: 'http://example.com' }) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with an issuer that is not a URL', { OIDC_PROVIDERS: providers({ ...provider, issuer: 'acme' }) }, 'OIDC_PROVIDERS'],
      ['OIDC_PROVIDERS with a non-boolean trusted', { OIDC_PROVIDERS: providers({ ...provider, trusted: 'yes' }) }, 'OIDC_PROVIDERS'],
      ['ACCESS_TOKEN_TTL that is not a number', { ACCESS_TOKEN_TTL: 'abc' }, 'ACCESS_TOKEN_TTL'],
      ['ACCESS_TOKEN_TTL 0', { ACCESS_TOKEN_TTL: '0' }, 'ACCESS_TOKEN_TTL'],
      ['ACCESS_TOKEN_TTL above an hour', { ACCESS_TOKEN_TTL: '3601' }, 'ACCESS_TOKEN_TTL'],
      ['TRUST_PROXY that is not a boolean', { TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
      ['LOG_LEVEL that is not a pino level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
      ['USAGE_FLUSH_SECONDS of 0', { USAGE_FLUSH_SECONDS: '0' }, 'USAGE_FLUSH_SECONDS'],
      ['GRAPHQL_MAX_COST below 100', { GRAPHQL_MAX_COST: '99' }, 'GRAPHQL_MAX_COST'],
      ['GRAPHQL_MAX_COST that is no number', { GRAPHQL_MAX_COST: 'lots' }, 'GRAPHQL_MAX_COST'],
      ['SIGNING_KEY_ROTATION_DAYS that is not whole', { SIGNING_KEY_ROTATION_DAYS: '1.5' }, 'SIGNING_KEY_ROTATION_DAYS'],
      ['SIGNING_KEY_ROTATION_DAYS over ten years', { SIGNING_KEY_ROTATION_DAYS: '4000' }, 'SIGNING_KEY_ROTATION_DAYS'],
      ['TRUSTED_DOCUMENTS that is no mode', { TRUSTED_DOCUMENTS: 'strict' }, 'TRUSTED_DOCUMENTS'],
      ['TRUSTED_DOCUMENTS_FILES that is no JSON manifest', { TRUSTED_DOCUMENTS_FILES: 'docs.graphql' }, 'TRUSTED_DOCUMENTS_FILES'],
      ['ADMIN_EMAIL without ADMIN_PASSWORD', { ADMIN_EMAIL: 'admin@example.com' }, 'ADMIN_PASSWORD'],
      ['ADMIN_PASSWORD without ADMIN_EMAIL', { ADMIN_PASSWORD: 'correct horse battery staple' }, 'ADMIN_EMAIL'],
      ['ADMIN_EMAIL that is not an email', { ADMIN_EMAIL: 'admin', ADMIN_PASSWORD: 'correct horse battery staple' }, 'ADMIN_EMAIL'],
      ['ADMIN_EMAIL that sign-up would refuse', { ADMIN_EMAIL: 'admin@localhost', ADMIN_PASSWORD: 'correct horse battery staple' }, 'ADMIN_EMAIL'],
      ['REDIS_URL that is not redis://', { REDIS_URL: 'http://x' }, 'REDIS_URL'],
      ['SMTP_URL that is not smtp(s)://', { SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
      ['SMTP_URL that is not a URL', { SMTP_URL: 'mail.example.com:25' }, 'SMTP_URL'],
      ['SMTP_URL without a host', { SMTP_URL: 'smtp://' }, 'SMTP_URL'],
      ['MAIL_FROM that is not an address', { MAIL_FROM: 'Latchkey' }, 'MAIL_FROM'],
      ['MAIL_FROM with an unclosed bracket', { MAIL_FROM: 'Latchkey <no-reply@example.com' }, 'MAIL_FROM'],
      ['FRONTEND_URL that is not http(s)', { FRONTEND_URL: 'ftp://app.example.com' }, 'FRONTEND_URL'],
      ['FRONTEND_URL with a query', { FRONTEND_URL: 'https://app.example.com/?x=1' }, 'FRONTEND_URL'],
      ['FRONTEND_URL that is not a URL', { FRONTEND_URL: 'app.example.com' }, 'FRONTEND_URL'],
      ['REQUIRE_VERIFIED_EMAIL that is not a boolean', { REQUIRE_VERIFIED_EMAIL: 'sometimes' }, 'REQUIRE_VERIFIED_EMAIL'],
      ['SECRETS_KEY of 16 bytes', { SECRETS_KEY: Buffer.alloc(16, 1).toString('base64') }, 'SECRETS_KEY'],
      ['SECRETS_KEY that is not base64', { SECRETS_KEY: 'not a key at all, only words and spaces...' }, 'SECRETS_KEY'],
      ['SECRETS_KEY_PREVIOUS with a short key', { SECRETS_KEY_PREVIOUS: `${Buffer.alloc(32, 1).toString('base64')},abc` }, 'SECRETS_KEY_PREVIOUS'],
      ['REQUIRE_ADMIN_MFA that is not a boolean', { REQUIRE_ADMIN_MFA: 'admins' }, 'REQUIRE_ADMIN_MFA'],
      ['WEBAUTHN_RP_ID that is not a suffix of PUBLIC_URL\'s host', { PUBLIC_URL: 'https://id.example.com', WEBAUTHN_RP_ID: 'example.org' }, 'WEBAUTHN_RP_ID'],
      ['WEBAUTHN_RP_ID that is a bare top-level domain', { PUBLIC_URL: 'https://id.example.com', WEBAUTHN_RP_ID: 'com' }, 'WEBAUTHN_RP_ID'],
      ['WEBAUTHN_RP_ID that only ends like the host', { PUBLIC_URL: 'https://myexample.com', WEBAUTHN_RP_ID: 'example.com' }, 'WEBAUTHN_RP_ID'],
      ['WEBAUTHN_ORIGINS on another domain', { PUBLIC_URL: 'https://id.example.com', WEBAUTHN_ORIGINS: 'https://evil.test' }, 'WEBAUTHN_ORIGINS'],
      ['WEBAUTHN_ORIGINS with a path', { PUBLIC_URL: 'https://id.example.com', WEBAUTHN_ORIGINS: 'https://id.example.com/app' }, 'WEBAUTHN_ORIGINS'],
    ])('refuses %s', (_what, env, variable) => {
      const problems = problemsOf(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]!.startsWith(`${variable}: `)).toBe(true);
      expect(problems[0]).not.toContain('\n');
      // The line says what is wrong, not just which variable.
      expect(problems[0]!.length).toBeGreaterThan(`${variable}: `.length + 5);
    });
  });

  it('refuses two bad variables with two lines, one naming each', () => {
    const problems = problemsOf({ PORT: 'abc', TRUST_PROXY: 'maybe' });
    expect(problems).toHaveLength(2);
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['PORT', 'TRUST_PROXY']);
  });

  it('lists every bad variable at once, one line each', () => {
    const problems = problemsOf({
      PORT: '0', DATABASE_URL: 'mysql://x/y', PUBLIC_URL: 'ftp://x', ALLOWED_ORIGINS: 'https://a.com/', OIDC_PROVIDERS: '{',
      REDIS_URL: 'http://x', ACCESS_TOKEN_TTL: '0', TRUST_PROXY: 'maybe', ADMIN_EMAIL: 'admin@example.com',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'PORT', 'DATABASE_URL', 'PUBLIC_URL', 'ADMIN_PASSWORD', 'ALLOWED_ORIGINS', 'OIDC_PROVIDERS', 'REDIS_URL',
      'ACCESS_TOKEN_TTL', 'TRUST_PROXY',
    ]);
  });

  it('never puts a secret in a problem line', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://root:hunter2@db/x',
      OIDC_PROVIDERS: providers({ ...provider, clientSecret: 'top-secret-value', issuer: 'http://example.com' }),
    });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).not.toMatch(/hunter2|top-secret-value/);
  });

  it('never puts the SMTP password in a problem line', () => {
    const problems = problemsOf({ SMTP_URL: 'http://mailer:smtp-secret@mail.example.com' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('smtp-secret');
  });
  describe('production settings (issue 16)', () => {
    it('defaults to no drain, the access log on, no /metrics and no tracing', () => {
      const loaded = loadConfig({});
      if (!loaded.ok) throw new Error(loaded.problems.join('; '));
      expect(loaded.config).toMatchObject({ drainSeconds: 0, accessLog: true, metricsToken: null, otlpEndpoint: null });
    });

    it('reads DRAIN_SECONDS, ACCESS_LOG, METRICS_TOKEN and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
      const loaded = loadConfig({
        DRAIN_SECONDS: '2.5', ACCESS_LOG: 'false', METRICS_TOKEN: 'x'.repeat(32), OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
      });
      if (!loaded.ok) throw new Error(loaded.problems.join('; '));
      expect(loaded.config).toMatchObject({ drainSeconds: 2.5, accessLog: false, metricsToken: 'x'.repeat(32), otlpEndpoint: 'http://127.0.0.1:4318' });
    });

    it('refuses each bad value with one line naming it, never printing the metrics token', () => {
      const token = 'short-secret-token';
      const problems = problemsOf({ DRAIN_SECONDS: '301', ACCESS_LOG: 'sometimes', METRICS_TOKEN: token, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' });
      expect(problems.map((p) => p.split(':')[0])).toEqual(['DRAIN_SECONDS', 'ACCESS_LOG', 'METRICS_TOKEN', 'OTEL_EXPORTER_OTLP_ENDPOINT']);
      expect(problems.join('\n')).not.toContain(token);
    });
  });

  describe('the admin console (issue 21)', () => {
    it('serves it by default, and ADMIN_CONSOLE=false turns it off', () => {
      const byDefault = loadConfig({});
      const off = loadConfig({ ADMIN_CONSOLE: 'false' });
      if (!byDefault.ok || !off.ok) throw new Error('config refused');
      expect(byDefault.config.adminConsole).toBe(true);
      expect(off.config.adminConsole).toBe(false);
    });

    it('refuses a value that is not true or false, naming ADMIN_CONSOLE', () => {
      expect(problemsOf({ ADMIN_CONSOLE: 'off' })).toEqual(['ADMIN_CONSOLE: must be true or false']);
    });
  });

  describe('DPoP nonces (issue 19)', () => {
    it('asks for none by default, and DPOP_REQUIRE_NONCE=true asks for one in every proof', () => {
      expect(configOf({}).dpopRequireNonce).toBe(false);
      expect(configOf({ DPOP_REQUIRE_NONCE: 'true' }).dpopRequireNonce).toBe(true);
    });

    it('refuses a value that is not true or false, naming DPOP_REQUIRE_NONCE', () => {
      expect(problemsOf({ DPOP_REQUIRE_NONCE: 'yes please' })).toEqual(['DPOP_REQUIRE_NONCE: must be true or false']);
    });
  });
});
