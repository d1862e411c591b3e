import type { Plugin } from 'graphql-yoga';
import { rateLimitHeaders } from '../apikeys/rate-limit-headers.ts';
import type { UsageRecorder } from '../apikeys/usage.ts';
import { peekRequestState } from './request-state.ts';

/**
 * Counts every request made with an API key once its outcome is known (served, or answered with
 * errors; refusals by the rate limit are counted where they happen), and tells the client its budget.
 */
export function useApiKeyUsage(usage: UsageRecorder): Plugin {
  return {
    onResultProcess({ request, result }) {
      const state = peekRequestState(request);
      if (state?.apiKeyId === undefined || Symbol.asyncIterator in result) return;
      const results = Array.isArray(result) ? result : [result];
      if (results.some((r) => (r.errors?.length ?? 0) > 0)) state.hadErrors = true;
    },
    onResponse({ request, response }) {
      const state = peekRequestState(request);
      if (state === undefined) return;
      // A 429 carries its headers with the error already.
      if (state.rateLimit !== undefined && response.status !== 429) {
        for (const [name, value] of Object.entries(rateLimitHeaders(state.rateLimit))) response.headers.set(name, value);
      }
      if (state.apiKeyId !== undefined && response.status !== 429) {
        usage.record(state.apiKeyId, state.hadErrors || response.status >= 400 ? 'errors' : 'served');
      }
    },
  };
}
