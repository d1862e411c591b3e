import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Lifecycle } from './lifecycle.ts';

/** How long requests in flight may take to finish once the listener is closed; then their connections are cut. */
const IN_FLIGHT_TIMEOUT_MS = 10_000;

interface ShutdownSteps {
  readonly server: Server;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  /** How long to keep serving with /readyz at 503, so that load balancers stop sending first. */
  readonly drainMs: number;
  /** Flushes and closes what the server holds (usage, audit, mail, Redis, the database), in order. */
  close(): Promise<void>;
}

/**
 * On SIGTERM or SIGINT, once: /readyz turns 503 at once; requests go on being served for the drain time,
 * each answered with `Connection: close` so that clients leave their keep-alive connections; then the
 * listener closes, requests in flight finish (cut after IN_FLIGHT_TIMEOUT_MS), everything is flushed,
 * and the process exits 0.
 */
export function stopOnSignals(steps: ShutdownSteps): void {
  const { server, lifecycle, logger } = steps;
  server.prependListener('request', (_request, response) => {
    if (lifecycle.draining) response.setHeader('connection', 'close');
  });
  const stop = async (signal: NodeJS.Signals) => {
    if (lifecycle.draining) return;
    lifecycle.beginDraining();
    logger.info({ signal, drainMs: steps.drainMs }, 'draining');
    if (steps.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, steps.drainMs));
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cut = setTimeout(() => server.closeAllConnections(), IN_FLIGHT_TIMEOUT_MS);
    await closed;
    clearTimeout(cut);
    await steps.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
