import { builder } from '../graphql/builder.ts';
import { AppError, ErrorInterface } from '../graphql/errors.ts';

/**
 * A passkey ceremony's answer was refused. Deliberately vague (which check failed is in the audit log):
 * unknown passkey, another origin, an expired or spent challenge, a bad signature, no user
 * verification where it is required, or a signature counter that went back.
 */
export class InvalidPasskeyError extends AppError {
  readonly code = 'INVALID_PASSKEY';
  constructor() {
    super('That passkey could not be used: ask for new options and try again.');
  }
}

builder.objectType(InvalidPasskeyError, {
  name: 'InvalidPasskeyError',
  description:
    'The passkey answer was refused: an unknown passkey, another origin, an expired or already used challenge, a bad signature, no user verification where it is required, or a signature counter that went back. Start the ceremony again.',
  interfaces: [ErrorInterface],
});
