import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

/** The largest answer taken: attestation objects with certificates run to a few kilobytes. */
const MAX_RESPONSE_LENGTH = 64 * 1024;

type CeremonyResponse<K extends string> = { id: string; rawId: string; type: 'public-key'; response: Record<K, string> & { clientDataJSON: string } };

/**
 * Reads the JSON a browser's PublicKeyCredential.toJSON() (or @simplewebauthn/browser) gives: an object
 * with string id and rawId, type `public-key`, and a response holding `fields` as strings. Null for
 * anything else; @simplewebauthn/server checks the rest.
 */
function parseResponse<K extends string>(json: string, fields: readonly K[]): CeremonyResponse<K> | null {
  if (json.length > MAX_RESPONSE_LENGTH) return null;
  let value: any;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  const strings = (o: any, keys: readonly string[]) => o !== null && typeof o === 'object' && keys.every((k) => typeof o[k] === 'string');
  if (!strings(value, ['id', 'rawId']) || value.type !== 'public-key' || !strings(value.response, ['clientDataJSON', ...fields])) return null;
  if (value.clientExtensionResults === undefined) value.clientExtensionResults = {};
  return value;
}

export function parseRegistrationResponse(json: string): RegistrationResponseJSON | null {
  return parseResponse(json, ['attestationObject']) as RegistrationResponseJSON | null;
}

export function parseAuthenticationResponse(json: string): AuthenticationResponseJSON | null {
  return parseResponse(json, ['authenticatorData', 'signature']) as AuthenticationResponseJSON | null;
}
