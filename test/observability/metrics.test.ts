import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OPERATION_NAMES } from '../../src/observability/metrics.ts';
import { createKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpUser } from '../helpers/users.ts';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

/** Every sample of the text format as `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe(`/metrics (${ENGINE})`, () => {
  let app: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    [app, off] = await Promise.all([startTestApp({ env: { METRICS_TOKEN: TOKEN } }), startTestApp()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([app?.close(), off?.close()]);
  });

  const scrape = async () => {
    const response = await app.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    return { text, samples: parse(text) };
  };
  const delta = (before: Map<string, number>, after: Map<string, number>, sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

  it('does not exist without METRICS_TOKEN, and asks for the token when it is set', async () => {
    expect((await off.fetch('/metrics')).status).toBe(404);
    const anonymous = await app.fetch('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect((await app.fetch('/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect(await anonymous.text()).not.toContain('latchkey_');
  });

  it('counts requests by route and status, with a latency histogram, and operations by name and outcome', async () => {
    const before = (await scrape()).samples;
    for (let i = 0; i < 3; i++) expect((await app.gql('query Who { viewer { credential } }')).status).toBe(200);
    expect((await app.gql('query Broken { nothing }')).body.errors).toHaveLength(1); // refused before execution
    expect((await app.fetch('/healthz')).status).toBe(200);
    expect((await app.fetch('/no/such/path/123')).status).toBe(404);
    const { samples: after, text } = await scrape();

    expect(delta(before, after, 'latchkey_graphql_operations_total{operation="Who",type="query",outcome="ok"}')).toBe(3);
    expect(delta(before, after, 'latchkey_http_requests_total{method="POST",route="/graphql",status="200"}')).toBe(4);
    expect([...after.keys()].some((sample) => sample.includes('operation="Broken"'))).toBe(false);
    expect(delta(before, after, 'latchkey_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(1);
    expect(delta(before, after, 'latchkey_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(delta(before, after, 'latchkey_http_request_duration_seconds_count{method="POST",route="/graphql"}')).toBe(4);
    expect(delta(before, after, 'latchkey_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/graphql"}')).toBe(4);
    expect(text).not.toContain('/no/such/path');
    // Event-loop lag and memory, from prom-client's process metrics.
    expect(after.get('latchkey_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.get('latchkey_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts sign-ins by outcome, API-key checks by outcome, rate-limit refusals and the key cache, with no ids as labels', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { rateLimit: { limit: 2, windowSeconds: 60 } });
    const before = (await scrape()).samples;

    expect((await app.gql(LOGIN, { input: { email: user.email, password: 'wrong password here' } })).body.data.login.__typename).toBe('InvalidCredentialsError');
    expect((await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } })).body.data.login.__typename).toBe('AuthPayload');
    const withKey = () => app.gql('{ viewer { credential } }', {}, { headers: { 'x-api-key': key.secret } });
    expect((await withKey()).status).toBe(200);
    expect((await withKey()).status).toBe(200);
    expect((await withKey()).status).toBe(429);
    expect((await app.gql('{ viewer { credential } }', {}, { headers: { 'x-api-key': 'sk_live_nope' } })).status).toBe(401);

    const { samples: after, text } = await scrape();
    expect(delta(before, after, 'latchkey_auth_attempts_total{mutation="login",outcome="INVALID_CREDENTIALS"}')).toBe(1);
    expect(delta(before, after, 'latchkey_auth_attempts_total{mutation="login",outcome="ok"}')).toBe(1);
    expect(delta(before, after, 'latchkey_api_key_checks_total{outcome="valid"}')).toBe(2);
    expect(delta(before, after, 'latchkey_api_key_checks_total{outcome="RATE_LIMITED"}')).toBe(1);
    expect(delta(before, after, 'latchkey_api_key_checks_total{outcome="MALFORMED"}')).toBe(1);
    expect(delta(before, after, 'latchkey_rate_limit_refusals_total{limit="api_key"}')).toBe(1);
    // The first use looks the key up; the next two are answered from the cache.
    expect(delta(before, after, 'latchkey_cache_lookups_total{cache="api_key",result="miss"}')).toBe(1);
    expect(delta(before, after, 'latchkey_cache_lookups_total{cache="api_key",result="hit"}')).toBe(2);
    for (const id of [user.userId, user.sessionId, key.id, user.email]) expect(text).not.toContain(id);
  });

  it(`keeps at most ${MAX_OPERATION_NAMES} operation names as labels; the rest count as "other"`, async () => {
    for (let i = 0; i < MAX_OPERATION_NAMES + 20; i++) await app.gql(`query Name${i} { viewer { credential } }`);
    const { samples } = await scrape();
    const names = new Set([...samples.keys()].filter((s) => s.startsWith('latchkey_graphql_operations_total{')).map((s) => /operation="([^"]*)"/.exec(s)![1]));
    // The client-chosen names, plus the two fixed labels "other" and "anonymous".
    expect(names.size).toBeLessThanOrEqual(MAX_OPERATION_NAMES + 2);
    expect(names).toContain('other');
  }, 120_000);
});
