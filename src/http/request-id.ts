import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

/** What an incoming X-Request-Id may hold to be kept: at most 64 characters that are safe in logs and headers. */
const WELL_FORMED = /^[A-Za-z0-9._~:+/=-]{1,64}$/;

const ids = new WeakMap<Request, string>();

/**
 * The request's id: the incoming X-Request-Id when well-formed (a proxy's, so logs line up), else a new
 * UUID. Decided on first use and fixed for the request, so every log line and the response agree.
 */
export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (id === undefined) {
    const incoming = request.headers.get('x-request-id');
    id = incoming !== null && WELL_FORMED.test(incoming) ? incoming : randomUUID();
    ids.set(request, id);
  }
  return id;
}

/** Called once the response is complete (useRequestRelease): see there for why. */
export function forgetRequestId(request: Request): void {
  ids.delete(request);
}

/** Every response, refusals and routes included, carries `X-Request-Id`. */
export function useRequestId(): Plugin {
  return {
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
    },
  };
}
