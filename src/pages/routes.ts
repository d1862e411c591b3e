import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { clientAddress } from '../http/client-address.ts';
import type { Services } from '../services.ts';
import { confirmEmailChangePage } from './confirm-email-change.ts';
import { resetPasswordPage } from './reset-password.ts';
import { verifyEmailPage } from './verify-email.ts';

const PAGES = { '/verify-email': verifyEmailPage, '/reset-password': resetPasswordPage, '/confirm-email-change': confirmEmailChangePage } as const;

/**
 * The hosted pages that mails link to when FRONTEND_URL is not set: /verify-email, /reset-password and
 * /confirm-email-change.
 * Like src/http/routes.ts, it answers before GraphQL sees the request.
 */
export function usePages(services: Services): Plugin {
  return {
    async onRequest({ url, request, serverContext, endResponse }) {
      const page = PAGES[url.pathname as keyof typeof PAGES] as (typeof PAGES)[keyof typeof PAGES] | undefined;
      if (page === undefined) return;
      const ip = clientAddress(request, (serverContext as { req?: IncomingMessage }).req, services.config.trustProxy);
      endResponse(await page(services, request, url, { ip, userAgent: request.headers.get('user-agent') }));
    },
  };
}
