/**
 * Whether a POST plainly comes from another site. Under Referrer-Policy: no-referrer browsers send
 * `Origin: null` on a page's own POSTs, so the forms' tokens (a CSRF token, or the mailed token itself)
 * are the defence; this only turns away what is plainly foreign.
 */
export function isForeignPost(request: Request, publicUrl: string): boolean {
  const origin = request.headers.get('origin');
  const site = request.headers.get('sec-fetch-site');
  return (origin !== null && origin !== 'null' && origin !== new URL(publicUrl).origin) || site === 'cross-site' || site === 'same-site';
}

/** The fields of a form POST; empty unless the body is application/x-www-form-urlencoded, as HTML forms send it. */
export async function readForm(request: Request): Promise<URLSearchParams> {
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  return type === 'application/x-www-form-urlencoded' ? new URLSearchParams(await request.text()) : new URLSearchParams();
}
