import { builder } from '../graphql/builder.ts';
import { InvalidTokenError, RateLimitedError, ValidationError } from '../errors.ts';
import { accepted, RequestAcceptedPayloadRef } from './request-accepted-graphql.ts';
import { sendPasswordResetLink } from './request-password-reset.ts';
import { completePasswordReset } from './reset-password.ts';

const RequestPasswordResetInput = builder.inputType('RequestPasswordResetInput', {
  description: 'Who forgot their password.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'The sign-in address to mail a reset link to, if an account has it.' }),
  }),
});

const ResetPasswordInput = builder.inputType('ResetPasswordInput', {
  description: 'A reset link\'s token and the new password.',
  fields: (t) => ({
    token: t.string({ required: true, description: 'The token from the emailed link.' }),
    newPassword: t.string({ required: true, description: 'The new password; the same rules as at sign-up.' }),
  }),
});

const ResetPasswordPayloadRef = builder.objectRef<{ revokedSessions: number }>('ResetPasswordPayload').implement({
  description: 'The password was reset; sign in with the new one.',
  fields: (t) => ({
    revokedSessions: t.exposeInt('revokedSessions', { description: 'Every session of the account is ended.' }),
  }),
});

builder.mutationField('requestPasswordReset', (t) =>
  t.field({
    type: RequestAcceptedPayloadRef,
    description:
      'Mails a password-reset link (30 minutes, single use) to the address if an account has it. The answer is the same either way.',
    errors: {
      types: [ValidationError, RateLimitedError],
      union: { name: 'RequestPasswordResetResult', description: 'The outcome of requestPasswordReset.' },
    },
    args: { input: t.arg({ type: RequestPasswordResetInput, required: true, description: 'The address.' }) },
    resolve: async (_root, { input }, ctx) => {
      await sendPasswordResetLink(ctx.services, input.email, ctx.meta);
      return accepted;
    },
  }),
);

builder.mutationField('resetPassword', (t) =>
  t.field({
    type: ResetPasswordPayloadRef,
    description: 'Sets a new password with the token of a reset link, and ends every session of the account.',
    errors: {
      types: [InvalidTokenError, ValidationError],
      union: { name: 'ResetPasswordResult', description: 'The outcome of resetPassword.' },
    },
    args: { input: t.arg({ type: ResetPasswordInput, required: true, description: 'The token and the new password.' }) },
    resolve: async (_root, { input }, ctx) => {
      ctx.claimCredentialCheck();
      return completePasswordReset(ctx.services, input, ctx.meta);
    },
  }),
);
