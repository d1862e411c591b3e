import { builder } from '../graphql/builder.ts';

export const RequestAcceptedPayloadRef = builder.objectRef<{ accepted: true }>('RequestAcceptedPayload').implement({
  description: 'Accepted: the same answer whether or not the address has an account.',
  fields: (t) => ({
    accepted: t.boolean({ description: 'Always true: a mail is on its way if there is anyone to send it to.', resolve: () => true }),
  }),
});

export const accepted = { accepted: true } as const;
