/**
 * Authentication context classes (OIDC Core §2 `acr`): a sign-in that passed two factors, or one.
 * A client asks for the first with `acr_values` at the authorization endpoint.
 */
export const ACR_MFA = 'urn:latchkey:acr:mfa';
export const ACR_SINGLE_FACTOR = 'urn:latchkey:acr:1fa';
export const ACR_VALUES_SUPPORTED = [ACR_MFA, ACR_SINGLE_FACTOR] as const;

/** The `acr` of a sign-in from its RFC 8176 `amr`. */
export function acrOf(amr: readonly string[]): string {
  return amr.includes('mfa') ? ACR_MFA : ACR_SINGLE_FACTOR;
}
