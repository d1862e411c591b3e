import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/**
 * A software WebAuthn authenticator in Node, for tests that run without a browser (the README's
 * examples): one ES256 passkey, "none" attestation, user present and verified, a counter that goes up.
 * It builds clientDataJSON and authenticator data as WebAuthn §5.8.1 and §6.1 say, independently of
 * the server's library. The browser tests use Chromium's virtual authenticator instead.
 */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  readonly #key: KeyObject;
  readonly #publicJwk: { x: string; y: string };
  #counter = 0;
  #userHandle = '';

  constructor(readonly origin: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#key = privateKey;
    this.#publicJwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  }

  /** The JSON of the PublicKeyCredential navigator.credentials.create() would give for these options. */
  create(optionsJson: string): string {
    const options = JSON.parse(optionsJson);
    this.#userHandle = options.user.id;
    const clientData = this.#clientData('webauthn.create', options.challenge);
    // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
    const coseKey = isoCBOR.encode(new Map<number, number | Uint8Array>([
      [1, 2], [3, -7], [-1, 1], [-2, Buffer.from(this.#publicJwk.x, 'base64url')], [-3, Buffer.from(this.#publicJwk.y, 'base64url')],
    ]));
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    // Flags: UP (0x01), UV (0x04), AT (0x40).
    const authData = Buffer.concat([this.#authData(options.rp.id, 0x45), Buffer.alloc(16), idLength, this.credentialId, coseKey]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    return JSON.stringify({
      id: this.credentialId.toString('base64url'), rawId: this.credentialId.toString('base64url'), type: 'public-key',
      response: { clientDataJSON: clientData.toString('base64url'), attestationObject: Buffer.from(attestationObject).toString('base64url'), transports: ['internal'] },
      clientExtensionResults: {}, authenticatorAttachment: 'platform',
    });
  }

  /** The JSON of the PublicKeyCredential navigator.credentials.get() would give for these options. */
  get(optionsJson: string): string {
    const options = JSON.parse(optionsJson);
    const clientData = this.#clientData('webauthn.get', options.challenge);
    this.#counter += 1;
    const authData = this.#authData(options.rpId, 0x05);
    const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(clientData).digest()]), this.#key);
    return JSON.stringify({
      id: this.credentialId.toString('base64url'), rawId: this.credentialId.toString('base64url'), type: 'public-key',
      response: {
        clientDataJSON: clientData.toString('base64url'), authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'), userHandle: this.#userHandle,
      },
      clientExtensionResults: {}, authenticatorAttachment: 'platform',
    });
  }

  #clientData(type: string, challenge: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }));
  }

  #authData(rpId: string, flags: number): Buffer {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.#counter);
    return Buffer.concat([createHash('sha256').update(rpId).digest(), Buffer.from([flags]), counter]);
  }
}
