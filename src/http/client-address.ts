import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The client's address: the socket's peer, or, only when a trusted proxy sets it, the last address
 * of X-Forwarded-For (the one that proxy appended; earlier entries are the client's own claims).
 */
export function clientAddress(request: Request, req: IncomingMessage | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded !== undefined && isIP(forwarded) !== 0) return forwarded;
  }
  const peer = req?.socket.remoteAddress;
  return peer === undefined ? '127.0.0.1' : peer.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
