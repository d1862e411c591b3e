import { components, describeWhen } from './components.ts';

/** The Redis that .ci/run starts (and that the README asks for), shared by the tests that need one. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A describe block whose tests need Redis on 127.0.0.1:6379: skipped (or failed, LATCHKEY_REQUIRE_ALL=1) without it. */
export function describeWithRedis(name: string, body: () => void): void {
  describeWhen(components().redis, name, body);
}

/** A describe block whose tests start their own `redis-server`: skipped (or failed) when it is not on the PATH. */
export function describeWithRedisServer(name: string, body: () => void): void {
  describeWhen(components().redisServer, name, body);
}

/** The redis-server program found on the PATH (call it inside describeWithRedisServer). */
export function redisServerPath(): string {
  const found = components().redisServer;
  if (!found.found) throw new Error(`no redis-server: ${found.reason}`);
  return found.path;
}
