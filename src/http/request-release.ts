import type { Plugin } from 'graphql-yoga';
import { forgetRequestId } from './request-id.ts';
import { forgetRequestState } from './request-state.ts';

/**
 * Last in the pipeline: once every other hook has seen the response, forgets what was kept per
 * request. The WeakMaps would drop the entries anyway, but only later: V8's young-generation
 * collector keeps an entry whose key is young alive through a scavenge, so a request left in a
 * WeakMap is copied (and soon promoted) with everything it holds. Deleting at the end keeps
 * scavenges cheap; nothing reads these after the response.
 */
export function useRequestRelease(): Plugin {
  return {
    onResponse({ request }) {
      forgetRequestState(request);
      forgetRequestId(request);
    },
  };
}
