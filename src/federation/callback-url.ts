/** Where upstream providers send the browser back to Latchkey itself: `/auth/callback/:provider`. */
export const CALLBACK_PATH = '/auth/callback/';

/** The server's own redirect URI for `provider`, which startSocialLogin accepts besides ALLOWED_ORIGINS. */
export function callbackUrl(publicUrl: string, provider: string): string {
  return new URL(`${CALLBACK_PATH}${encodeURIComponent(provider)}`, publicUrl).href;
}
