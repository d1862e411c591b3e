import type { Plugin } from 'graphql-yoga';
import { peekRequestState } from './request-state.ts';

/**
 * Applies what resolvers and authentication asked of the response: Set-Cookie, `Cache-Control: no-store`
 * on every response that carries a token or sets a session cookie (no cache may keep a credential), and
 * the DPoP nonce.
 */
export function useResponseEffects(): Plugin {
  return {
    onResponse({ request, response }) {
      const state = peekRequestState(request);
      if (state === undefined) return;
      for (const cookie of state.setCookies) response.headers.append('set-cookie', cookie);
      if (state.dpopNonce !== undefined) response.headers.set('dpop-nonce', state.dpopNonce);
      if (state.noStore || state.setCookies.length > 0) {
        response.headers.set('cache-control', 'no-store');
        response.headers.set('pragma', 'no-cache');
      }
    },
  };
}
