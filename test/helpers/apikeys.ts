import type { TestApp } from './app.ts';

export const CREATE_KEY = /* GraphQL */ `
  mutation CreateKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeyPayload { secret apiKey { id name start environment scopes rateLimit { limit windowSeconds } expiresAt } }
      ... on Error { code message }
      ... on ValidationError { field }
    }
  }`;

export interface CreatedKey {
  readonly id: string;
  readonly secret: string;
}

/** Creates a key with the given bearer credential (an access token) and returns its id and secret. */
export async function createKey(app: TestApp, bearer: string, input: Record<string, unknown> = {}): Promise<CreatedKey> {
  const { body } = await app.gql(CREATE_KEY, { input: { name: 'test key', ...input } }, { bearer });
  const result = body.data?.createApiKey;
  if (result?.__typename !== 'CreateApiKeyPayload') throw new Error(`createApiKey failed: ${JSON.stringify(body)}`);
  return { id: result.apiKey.id, secret: result.secret };
}

/** The usage rows of a key as written by the flush, summed. */
export async function flushedUsage(app: TestApp, keyId: string) {
  const { sql } = await import('drizzle-orm');
  const [row] = await app.database.rows<{ requests: number; rate_limited: number; errors: number }>(sql`
    select coalesce(sum(requests), 0)::int as requests, coalesce(sum(rate_limited), 0)::int as rate_limited,
      coalesce(sum(errors), 0)::int as errors from api_key_usage where key_id = ${keyId}`);
  return row!;
}
