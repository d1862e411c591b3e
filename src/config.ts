import { isIP } from 'node:net';
import { normalizeEmail } from './accounts/email.ts';
import { isLoopbackHost } from './lib/loopback.ts';

/** Where the data lives: a PostgreSQL server, or the embedded PGlite in a folder (or `memory://`). */
export type DatabaseConfig =
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'pglite'; readonly dataDir: string };

export interface OidcProviderConfig {
  readonly id: string;
  readonly name: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Link to an existing account by email only when this provider is trusted to verify emails. */
  readonly trusted: boolean;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly database: DatabaseConfig;
  readonly publicUrl: string;
  readonly admin: { readonly email: string; readonly password: string } | null;
  readonly allowedOrigins: readonly string[];
  readonly oidcProviders: readonly OidcProviderConfig[];
  readonly redisUrl: string | null;
  /** Access-token lifetime in seconds. */
  readonly accessTokenTtl: number;
  readonly trustProxy: boolean;
  readonly production: boolean;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: LogLevel;
  /** How often API-key usage counted in memory is written to the database, in seconds. */
  readonly usageFlushSeconds: number;
  /** GRAPHQL_MAX_COST: the most an operation may cost (see http/query-cost.ts); 5,000 by default. */
  readonly maxQueryCost: number;
  readonly mail: MailConfig;
  /** When true, an account signs in only once its email address is verified (REQUIRE_VERIFIED_EMAIL). */
  readonly requireVerifiedEmail: boolean;
  /** How old a signing key may grow before a new one replaces it, in days (SIGNING_KEY_ROTATION_DAYS); null: never. */
  readonly signingKeyRotationDays: number | null;
  /** Seals secrets kept at rest (TOTP seeds) with AES-256-GCM; see src/lib/secret-box.ts. */
  readonly secrets: SecretsConfig;
  /** When true, admin operations need an account with a second factor (REQUIRE_ADMIN_MFA). */
  readonly requireAdminMfa: boolean;
  /** The WebAuthn relying party that passkeys are bound to (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS). */
  readonly webauthn: WebAuthnConfig;
  /** After SIGTERM, how long /readyz answers 503 while requests are still served, before the listener closes (DRAIN_SECONDS). */
  readonly drainSeconds: number;
  /** One info line per request (ACCESS_LOG). */
  readonly accessLog: boolean;
  /** The bearer token /metrics asks for (METRICS_TOKEN); null: no /metrics. */
  readonly metricsToken: string | null;
  /** Where spans go (OTEL_EXPORTER_OTLP_ENDPOINT, OTLP over HTTP); null: no tracing. */
  readonly otlpEndpoint: string | null;
  readonly trustedDocuments: TrustedDocumentsConfig;
  /** The look of the hosted pages (sign-in, consent, verify-email, reset-password). */
  readonly pages: PagesConfig;
  /** Whether /admin serves the admin console (ADMIN_CONSOLE). */
  readonly adminConsole: boolean;
  /** DPOP_REQUIRE_NONCE: every DPoP proof must carry a nonce from this server (RFC 9449 §8, §9). */
  readonly dpopRequireNonce: boolean;
}

/**
 * Persisted operations (src/http/trusted-documents.ts). `accept`: a known document id runs, and so does any
 * query text; `only`: the allow-list, where only known ids run (ad-hoc text only for admins).
 */
export interface TrustedDocumentsConfig {
  readonly mode: 'accept' | 'only';
  /** Manifests of other apps' documents (TRUSTED_DOCUMENTS_FILES), besides the repository's own client's. */
  readonly files: readonly string[];
}

export interface PagesConfig {
  /** PAGES_PRODUCT_NAME: shown in every page's header and title. */
  readonly productName: string;
  /** PAGES_LOGO_URL: an http(s) image shown beside the name; its origin is added to the pages' CSP img-src. */
  readonly logoUrl: string | null;
  /** PAGES_PRIMARY_COLOR: `#rgb` or `#rrggbb`, the primary buttons and links. */
  readonly primaryColor: string;
  /** PAGES_STYLESHEET_URL: an http(s) stylesheet loaded after the default one; its origin is added to style-src. */
  readonly stylesheetUrl: string | null;
}

interface SecretsConfig {
  /** SECRETS_KEY: 32 bytes; seals every new secret. */
  readonly key: Buffer;
  /** SECRETS_KEY_PREVIOUS: older keys, comma-separated, that still open what they sealed (rotation). */
  readonly previousKeys: readonly Buffer[];
  /** True when SECRETS_KEY is unset and the public development key is in use: start-up warns in production. */
  readonly isDevelopmentKey: boolean;
}

/** The key used when SECRETS_KEY is unset: public, so fit for development only. */
export const DEVELOPMENT_SECRETS_KEY = Buffer.alloc(32, 'latchkey-development-secrets-key');

interface MailConfig {
  /** The SMTP relay as nodemailer reads it (smtp:// or smtps://); null keeps mail in the outbox table. */
  readonly smtpUrl: string | null;
  /** The From header of every mail. */
  readonly from: string;
  /** Where links in mails point (FRONTEND_URL, else PUBLIC_URL), without a trailing slash. */
  readonly linkBaseUrl: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: readonly string[] };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the contract's environment variables once. Returns a frozen config, or one line per bad
 * variable naming it and what is wrong. Nothing else in the program reads `process.env`.
 */
export function loadConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const fail = (name: string, why: string): undefined => {
    problems.push(`${name}: ${why}`);
    return undefined;
  };
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const port = parsePort(value('PORT') ?? '4000') ?? fail('PORT', 'must be a whole number from 1 to 65535');
  const host = value('HOST') ?? '127.0.0.1';
  if (!isHost(host)) fail('HOST', 'must be an IP address or a host name');

  const database = parseDatabase(value('DATABASE_URL'), value('DATA_DIR') ?? './.data', fail);
  const publicUrl = parsePublicUrl(value('PUBLIC_URL') ?? `http://localhost:${port ?? 4000}`, fail);
  const mail = parseMail(value('SMTP_URL'), value('MAIL_FROM'), value('FRONTEND_URL'), publicUrl, fail);
  const requireVerifiedEmail = parseBoolean(value('REQUIRE_VERIFIED_EMAIL') ?? 'false') ?? fail('REQUIRE_VERIFIED_EMAIL', 'must be true or false');
  const admin = parseAdmin(value('ADMIN_EMAIL'), env.ADMIN_PASSWORD, fail);
  const allowedOrigins = parseOrigins(value('ALLOWED_ORIGINS'), fail);
  const oidcProviders = parseProviders(value('OIDC_PROVIDERS'), fail);

  const redisUrl = value('REDIS_URL') ?? null;
  if (redisUrl !== null && !/^rediss?:\/\/[^\s]+$/.test(redisUrl) ) fail('REDIS_URL', 'must be a redis:// or rediss:// URL');

  const ttlRaw = value('ACCESS_TOKEN_TTL') ?? '900';
  const accessTokenTtl = /^\d+$/.test(ttlRaw) && +ttlRaw >= 60 && +ttlRaw <= 3600 ? +ttlRaw : fail('ACCESS_TOKEN_TTL', 'must be a whole number of seconds from 60 to 3600');

  const trustProxy = parseBoolean(value('TRUST_PROXY') ?? 'false') ?? fail('TRUST_PROXY', 'must be true or false');
  const nodeEnv = value('NODE_ENV');
  const flushRaw = value('USAGE_FLUSH_SECONDS') ?? '5';
  const costRaw = value('GRAPHQL_MAX_COST') ?? '5000';
  const maxQueryCost = /^\d{1,7}$/.test(costRaw) && +costRaw >= 100 && +costRaw <= 1_000_000
    ? +costRaw
    : fail('GRAPHQL_MAX_COST', 'must be a whole number from 100 to 1000000');
  const usageFlushSeconds = /^\d+(\.\d+)?$/.test(flushRaw) && +flushRaw >= 0.1 && +flushRaw <= 300
    ? +flushRaw
    : fail('USAGE_FLUSH_SECONDS', 'must be a number of seconds from 0.1 to 300');
  const rotationRaw = value('SIGNING_KEY_ROTATION_DAYS') ?? '90';
  const signingKeyRotationDays = /^\d{1,4}$/.test(rotationRaw) && +rotationRaw <= 3650
    ? (+rotationRaw === 0 ? null : +rotationRaw)
    : fail('SIGNING_KEY_ROTATION_DAYS', 'must be a whole number of days from 0 (never) to 3650');
  const trustedDocuments = parseTrustedDocuments(value('TRUSTED_DOCUMENTS'), value('TRUSTED_DOCUMENTS_FILES'), fail);
  const secrets = parseSecrets(value('SECRETS_KEY'), value('SECRETS_KEY_PREVIOUS'), fail);
  const requireAdminMfa = parseBoolean(value('REQUIRE_ADMIN_MFA') ?? 'false') ?? fail('REQUIRE_ADMIN_MFA', 'must be true or false');
  const pages = parsePages(value, fail);
  const webauthn = publicUrl === undefined ? undefined : parseWebAuthn(publicUrl, value('WEBAUTHN_RP_ID'), value('WEBAUTHN_ORIGINS'), fail);
  const drainRaw = value('DRAIN_SECONDS') ?? '0';
  const drainSeconds = /^\d+(\.\d+)?$/.test(drainRaw) && +drainRaw <= 300 ? +drainRaw : fail('DRAIN_SECONDS', 'must be a number of seconds from 0 to 300');
  const accessLog = parseBoolean(value('ACCESS_LOG') ?? 'true') ?? fail('ACCESS_LOG', 'must be true or false');
  const adminConsole = parseBoolean(value('ADMIN_CONSOLE') ?? 'true') ?? fail('ADMIN_CONSOLE', 'must be true or false');
  const dpopRequireNonce = parseBoolean(value('DPOP_REQUIRE_NONCE') ?? 'false') ?? fail('DPOP_REQUIRE_NONCE', 'must be true or false');
  const metricsToken = value('METRICS_TOKEN') ?? null;
  // Prometheus sends it as a bearer token: at least 32 characters, so that it cannot be guessed.
  if (metricsToken !== null && !/^[\x21-\x7e]{32,256}$/.test(metricsToken)) fail('METRICS_TOKEN', 'must be 32 to 256 printable characters without spaces');
  const otlpEndpoint = parseOtlpEndpoint(value('OTEL_EXPORTER_OTLP_ENDPOINT'), fail);
  const logLevelRaw = value('LOG_LEVEL') ?? 'info';
  const logLevel = (LOG_LEVELS as readonly string[]).includes(logLevelRaw)
    ? (logLevelRaw as LogLevel)
    : fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  if (problems.length > 0 || port === undefined || database === undefined || publicUrl === undefined
    || admin === undefined || allowedOrigins === undefined || oidcProviders === undefined
    || accessTokenTtl === undefined || trustProxy === undefined || logLevel === undefined || usageFlushSeconds === undefined
    || mail === undefined || requireVerifiedEmail === undefined || signingKeyRotationDays === undefined || pages === undefined
    || drainSeconds === undefined || accessLog === undefined || otlpEndpoint === undefined || trustedDocuments === undefined
    || secrets === undefined || requireAdminMfa === undefined || webauthn === undefined || adminConsole === undefined
    || maxQueryCost === undefined || dpopRequireNonce === undefined) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    config: deepFreeze({
      port, host, database, publicUrl, admin, allowedOrigins, oidcProviders, redisUrl,
      accessTokenTtl, trustProxy, production: nodeEnv === 'production', logLevel, usageFlushSeconds, mail, requireVerifiedEmail,
      signingKeyRotationDays, trustedDocuments, pages, drainSeconds, accessLog, metricsToken, otlpEndpoint, secrets, requireAdminMfa,
      webauthn,
      adminConsole,
      maxQueryCost,
      dpopRequireNonce,
    }),
  };
}

type Fail = (name: string, why: string) => undefined;

function parsePort(raw: string): number | undefined {
  if (!/^\d{1,5}$/.test(raw)) return undefined;
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function isHost(host: string): boolean {
  return isIP(host) !== 0 || /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(host);
}

function parseDatabase(url: string | undefined, dataDir: string, fail: Fail): DatabaseConfig | undefined {
  if (url === undefined) return { kind: 'pglite', dataDir };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('DATABASE_URL', 'is not a URL (expected postgres://user@host:5432/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return fail('DATABASE_URL', `must be a postgres:// URL, not ${parsed.protocol}//`);
  }
  if (parsed.hostname === '') return fail('DATABASE_URL', 'names no host');
  return { kind: 'postgres', url };
}

function parsePublicUrl(raw: string, fail: Fail, name = 'PUBLIC_URL'): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(name, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(name, 'must be an http(s) URL');
  if (url.search !== '' || url.hash !== '' || url.username !== '') {
    return fail(name, 'must be a base URL without credentials, query or fragment');
  }
  return url.href.replace(/\/$/, '');
}

function parseMail(
  smtpUrl: string | undefined, from: string | undefined, frontendUrl: string | undefined, publicUrl: string | undefined, fail: Fail,
): MailConfig | undefined {
  const badSmtpUrl = smtpUrl !== undefined && !isSmtpUrl(smtpUrl);
  if (badSmtpUrl) fail('SMTP_URL', 'must be an smtp:// or smtps:// URL with a host');
  // A display name and an address in angle brackets, or a bare address: what a From header holds.
  const badFrom = from !== undefined && !/^(?:[^<>\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/.test(from);
  if (badFrom) fail('MAIL_FROM', 'must be an address, or a name and an address in angle brackets ("Latchkey <no-reply@example.com>")');
  const linkBaseUrl = frontendUrl === undefined ? publicUrl : parsePublicUrl(frontendUrl, fail, 'FRONTEND_URL');
  if (badSmtpUrl || badFrom || linkBaseUrl === undefined) return undefined;
  return { smtpUrl: smtpUrl ?? null, from: from ?? 'Latchkey <no-reply@localhost>', linkBaseUrl };
}

function isSmtpUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function parseAdmin(email: string | undefined, password: string | undefined, fail: Fail) {
  if (email === undefined && (password === undefined || password === '')) return null;
  if (email === undefined) return fail('ADMIN_EMAIL', 'is required when ADMIN_PASSWORD is set');
  if (password === undefined || password === '') return fail('ADMIN_PASSWORD', 'is required when ADMIN_EMAIL is set');
  // The rule sign-up applies: an address it would refuse must stop start-up here, naming ADMIN_EMAIL.
  if (normalizeEmail(email) === null) return fail('ADMIN_EMAIL', 'is not an email address');
  return { email, password };
}

/** An origin is scheme://host[:port] and nothing else, as browsers send it in `Origin`. */
function isOrigin(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === raw;
  } catch {
    return false;
  }
}

function parseOrigins(raw: string | undefined, fail: Fail): string[] | undefined {
  if (raw === undefined) return [];
  const origins = raw.split(',').map((o) => o.trim()).filter((o) => o !== '');
  const bad = origins.find((o) => !isOrigin(o));
  if (bad !== undefined) return fail('ALLOWED_ORIGINS', `"${bad}" is not an origin (scheme://host[:port], no path or trailing slash)`);
  return origins;
}

function parseProviders(raw: string | undefined, fail: Fail): OidcProviderConfig[] | undefined {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('OIDC_PROVIDERS', 'is not valid JSON');
  }
  if (!Array.isArray(parsed)) return fail('OIDC_PROVIDERS', 'must be a JSON array');
  const providers: OidcProviderConfig[] = [];
  for (const [index, entry] of parsed.entries()) {
    const at = `entry ${index}`;
    if (typeof entry !== 'object' || entry === null) return fail('OIDC_PROVIDERS', `${at} is not an object`);
    const e = entry as Record<string, unknown>;
    for (const key of ['id', 'name', 'issuer', 'clientId', 'clientSecret'] as const) {
      if (typeof e[key] !== 'string' || e[key] === '') return fail('OIDC_PROVIDERS', `${at} needs a non-empty string "${key}"`);
    }
    const id = e.id as string;
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(id)) return fail('OIDC_PROVIDERS', `${at}: id "${id}" must be lower-case letters, digits, - or _`);
    if (providers.some((p) => p.id === id)) return fail('OIDC_PROVIDERS', `${at}: id "${id}" is used twice`);
    if (!isAllowedIssuer(e.issuer as string)) {
      return fail('OIDC_PROVIDERS', `${at}: issuer must be an https URL (http only on loopback)`);
    }
    if (e.trusted !== undefined && typeof e.trusted !== 'boolean') return fail('OIDC_PROVIDERS', `${at}: trusted must be a boolean`);
    providers.push({
      id, name: e.name as string, issuer: e.issuer as string, clientId: e.clientId as string,
      clientSecret: e.clientSecret as string, trusted: e.trusted === true,
    });
  }
  return providers;
}

function isAllowedIssuer(raw: string): boolean {
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

function parseTrustedDocuments(mode: string | undefined, files: string | undefined, fail: Fail): TrustedDocumentsConfig | undefined {
  if (mode !== undefined && mode !== 'accept' && mode !== 'only') return fail('TRUSTED_DOCUMENTS', 'must be accept or only');
  const paths = (files ?? '').split(',').map((path) => path.trim()).filter((path) => path !== '');
  if (paths.some((path) => !path.endsWith('.json'))) return fail('TRUSTED_DOCUMENTS_FILES', 'must list .json manifests, separated by commas');
  return { mode: mode ?? 'accept', files: paths };
}

function parseSecrets(key: string | undefined, previous: string | undefined, fail: Fail): SecretsConfig | undefined {
  const decode = (raw: string) => (/^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64') : undefined);
  const current = key === undefined ? DEVELOPMENT_SECRETS_KEY : decode(key);
  if (current === undefined || current.length !== 32) return fail('SECRETS_KEY', 'must be 32 bytes in base64 (openssl rand -base64 32)');
  const previousKeys = (previous ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '').map(decode);
  if (previousKeys.some((k) => k === undefined || k.length !== 32)) {
    return fail('SECRETS_KEY_PREVIOUS', 'must be keys of 32 bytes in base64, separated by commas');
  }
  return { key: current, previousKeys: previousKeys as Buffer[], isDevelopmentKey: key === undefined };
}

/** Product names longer than this would not fit a page's header. */
const PRODUCT_NAME_MAX_LENGTH = 60;

function parsePages(value: (name: string) => string | undefined, fail: Fail): PagesConfig | undefined {
  const productName = value('PAGES_PRODUCT_NAME') ?? 'Latchkey';
  const badName = productName.length > PRODUCT_NAME_MAX_LENGTH || /\p{Cc}/u.test(productName);
  if (badName) fail('PAGES_PRODUCT_NAME', `must have at most ${PRODUCT_NAME_MAX_LENGTH} characters and no control characters`);
  const primaryColor = (value('PAGES_PRIMARY_COLOR') ?? '#2457c5').toLowerCase();
  // Only a hex colour: the value is written into the pages' stylesheet, so nothing else may reach it.
  const badColor = !/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/.test(primaryColor);
  if (badColor) fail('PAGES_PRIMARY_COLOR', 'must be a hex colour: #rgb or #rrggbb');
  const logoUrl = parseAssetUrl(value('PAGES_LOGO_URL'), 'PAGES_LOGO_URL', fail);
  const stylesheetUrl = parseAssetUrl(value('PAGES_STYLESHEET_URL'), 'PAGES_STYLESHEET_URL', fail);
  if (badName || badColor || logoUrl === undefined || stylesheetUrl === undefined) return undefined;
  return { productName, logoUrl, primaryColor, stylesheetUrl };
}

/** An absolute http(s) URL without credentials (null when unset); undefined after naming the problem. */
function parseAssetUrl(raw: string | undefined, name: string, fail: Fail): string | null | undefined {
  if (raw === undefined) return null;
  try {
    const url = new URL(raw);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '') return url.href;
  } catch {
    // named below
  }
  return fail(name, 'must be an absolute http(s) URL without credentials');
}

/** The OTLP/HTTP base URL; traces go to <it>/v1/traces, as the OpenTelemetry exporters read the variable. */
function parseOtlpEndpoint(raw: string | undefined, fail: Fail): string | null | undefined {
  if (raw === undefined) return null;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.href.replace(/\/$/, '');
  } catch {
    // reported below
  }
  return fail('OTEL_EXPORTER_OTLP_ENDPOINT', 'must be an http(s) URL');
}

function parseBoolean(raw: string): boolean | undefined {
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  return undefined;
}

function deepFreeze<T>(value: T): T {
  // A Buffer cannot be frozen (its bytes stay writable); the keys in it are never written.
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export interface WebAuthnConfig {
  /** The RP ID: PUBLIC_URL's host, or WEBAUTHN_RP_ID, a registrable suffix of it. */
  readonly rpId: string;
  /** Origins whose pages may run a ceremony: PUBLIC_URL's, then WEBAUTHN_ORIGINS. */
  readonly origins: readonly string[];
}

/**
 * The relying party of passkeys. The RP ID must be the host of PUBLIC_URL or a registrable domain suffix
 * of it (WebAuthn Level 3 §5.1.3, HTML "is a registrable domain suffix of"): browsers refuse any other.
 * Each extra origin must be http(s), and on the RP ID or one of its sub-domains.
 */
function parseWebAuthn(publicUrl: string, rpIdRaw: string | undefined, originsRaw: string | undefined, fail: Fail): WebAuthnConfig | undefined {
  const host = new URL(publicUrl).hostname;
  const within = (name: string, rpId: string) => name === rpId || (isIP(rpId) === 0 && name.endsWith(`.${rpId}`));
  const rpId = (rpIdRaw ?? host).toLowerCase();
  if (!isHost(rpId) || !within(host, rpId) || (rpIdRaw !== undefined && !rpId.includes('.') && rpId !== host)) {
    return fail('WEBAUTHN_RP_ID', `must be the host of PUBLIC_URL (${host}) or a parent domain of it`);
  }
  const origins = [new URL(publicUrl).origin];
  for (const raw of (originsRaw ?? '').split(',').map((o) => o.trim()).filter((o) => o !== '')) {
    let url: URL | undefined;
    try {
      url = new URL(raw);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.origin !== raw.replace(/\/$/, '') || !within(url.hostname, rpId)) {
      return fail('WEBAUTHN_ORIGINS', `must be http(s) origins, comma-separated, on ${rpId} or its sub-domains`);
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  return { rpId, origins };
}
