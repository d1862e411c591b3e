import * as oauth from 'oauth4webapi';
import type { Logger } from 'pino';
import type { OidcProviderConfig } from '../config.ts';
import { NotFoundError, OAuthError } from '../errors.ts';

/** How long one discovery may take before the provider counts as down. */
const DISCOVERY_TIMEOUT_MS = 5_000;
/** A provider that was down is asked again on use, at most this often. */
const RETRY_INTERVAL_MS = 2_000;

/** A discovered provider, ready for oauth4webapi's calls. */
export interface UpstreamProvider {
  readonly config: OidcProviderConfig;
  readonly as: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
  /** Options for every request to it: plain http is allowed only for loopback issuers (config.ts checks that). */
  readonly http: { [oauth.allowInsecureRequests]?: boolean; signal?: () => AbortSignal };
}

interface Entry {
  readonly config: OidcProviderConfig;
  discovered: UpstreamProvider | null;
  attempt: Promise<UpstreamProvider | null> | null;
  lastFailureAt: number;
}

/**
 * The upstream OpenID Connect providers of OIDC_PROVIDERS, discovered from their issuers
 * (OpenID Connect Discovery 1.0). A provider that cannot be reached is logged and reported as
 * unavailable, never fatal for the others, and discovered again on use once RETRY_INTERVAL_MS passed.
 */
export class UpstreamProviders {
  private readonly entries: ReadonlyMap<string, Entry>;

  private constructor(configs: readonly OidcProviderConfig[], private readonly logger: Logger) {
    this.entries = new Map(configs.map((config) => [config.id, { config, discovered: null, attempt: null, lastFailureAt: 0 }]));
  }

  /** Discovers every configured provider at once; waits for all, fails for none. */
  static async discover(configs: readonly OidcProviderConfig[], logger: Logger): Promise<UpstreamProviders> {
    const providers = new UpstreamProviders(configs, logger);
    await Promise.all([...providers.entries.values()].map((entry) => providers.attemptDiscovery(entry)));
    return providers;
  }

  /** Every configured provider, in configuration order, with whether it was discovered. */
  list(): { id: string; name: string; available: boolean }[] {
    return [...this.entries.values()].map(({ config, discovered }) => ({ id: config.id, name: config.name, available: discovered !== null }));
  }

  /** The configuration of a provider, or NotFoundError. */
  configOf(id: string): OidcProviderConfig {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new NotFoundError('That identity provider');
    return entry.config;
  }

  /** A discovered provider: NotFoundError when not configured, OAuthError temporarily_unavailable when down. */
  async get(id: string): Promise<UpstreamProvider> {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new NotFoundError('That identity provider');
    if (entry.discovered !== null) return entry.discovered;
    const provider = entry.attempt ?? (Date.now() - entry.lastFailureAt >= RETRY_INTERVAL_MS ? this.attemptDiscovery(entry) : null);
    const discovered = await provider;
    if (discovered === null || discovered === undefined) {
      throw new OAuthError('temporarily_unavailable', `${entry.config.name} cannot be reached; try again later.`);
    }
    return discovered;
  }

  private attemptDiscovery(entry: Entry): Promise<UpstreamProvider | null> {
    entry.attempt ??= discoverProvider(entry.config).then(
      (provider) => {
        entry.discovered = provider;
        this.logger.info({ provider: entry.config.id, issuer: entry.config.issuer }, 'identity provider discovered');
        return provider;
      },
      (error: unknown) => {
        entry.lastFailureAt = Date.now();
        this.logger.warn({ provider: entry.config.id, issuer: entry.config.issuer, err: error }, 'identity provider cannot be discovered; it is unavailable until it can');
        return null;
      },
    ).finally(() => {
      entry.attempt = null;
    });
    return entry.attempt;
  }
}

async function discoverProvider(config: OidcProviderConfig): Promise<UpstreamProvider> {
  const issuer = new URL(config.issuer);
  // config.ts allows http only for loopback issuers; oauth4webapi refuses http unless told.
  const http = {
    ...(issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}),
    signal: () => AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
  };
  const response = await oauth.discoveryRequest(issuer, { ...http, algorithm: 'oidc' });
  const as = await oauth.processDiscoveryResponse(issuer, response);
  const methods = as.token_endpoint_auth_methods_supported;
  const basic = methods === undefined || methods.includes('client_secret_basic');
  return {
    config,
    as,
    client: { client_id: config.clientId },
    clientAuth: basic ? oauth.ClientSecretBasic(config.clientSecret) : oauth.ClientSecretPost(config.clientSecret),
    http,
  };
}
