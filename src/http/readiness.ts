import type { Services } from '../services.ts';

type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: 'shutting_down' | 'database' | 'redis' };

const REDIS_TIMEOUT_MS = 1000;

/**
 * Whether a load balancer should send this instance requests: not while it shuts down, nor while the
 * database or (when REDIS_URL is set) Redis does not answer, since requests that need them would get 503.
 */
export async function checkReadiness(services: Services): Promise<Readiness> {
  if (services.lifecycle.draining) return { ready: false, reason: 'shutting_down' };
  try {
    await services.database.ping();
  } catch (error) {
    services.logger.warn({ err: error }, 'readiness check: the database does not answer');
    return { ready: false, reason: 'database' };
  }
  if (services.redis !== null) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        services.redis.ping(),
        new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('no answer within 1 s')), REDIS_TIMEOUT_MS); }),
      ]);
    } catch (error) {
      services.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'readiness check: Redis does not answer');
      return { ready: false, reason: 'redis' };
    } finally {
      clearTimeout(timer);
    }
  }
  return services.lifecycle.draining ? { ready: false, reason: 'shutting_down' } : { ready: true };
}
