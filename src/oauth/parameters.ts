/**
 * The names sent more than once in an OAuth request's query or form, in the order first seen. RFC 6749
 * §3.1 and §3.2: a parameter must not be repeated. Taking the first of two `redirect_uri`, `state` or
 * `code` values would let whoever appended the second one decide which one some other reader trusts.
 */
export function repeatedParameters(parameters: URLSearchParams): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of parameters.keys()) (seen.has(name) ? repeated : seen).add(name);
  return [...repeated];
}

/** The invalid_request description for repeated parameters. */
export function repeatedMessage(repeated: readonly string[]): string {
  return `Send each parameter once: ${repeated.join(', ')} came more than once.`;
}
