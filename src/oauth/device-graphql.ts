import { builder } from '../graphql/builder.ts';
import { NotFoundError, RateLimitedError } from '../errors.ts';
import { findSession } from '../sessions/find.ts';
import { decideDevice, lookUpDeviceRequest, type DeviceRequestView } from './device-approval.ts';
import { firstPartySession } from './graphql.ts';

const DeviceAuthorizationRequestRef = builder.objectRef<DeviceRequestView>('DeviceAuthorizationRequest').implement({
  description: 'A device (a CLI, a TV) waiting for the user to connect it with its user code (RFC 8628).',
  fields: (t) => ({
    clientId: t.string({ description: 'The application\'s client_id.', resolve: (v) => v.client.clientId }),
    clientName: t.string({ description: 'The application\'s name: show it to the user before they approve.', resolve: (v) => v.client.name }),
    scopes: t.stringList({ description: 'What the application asks for.', resolve: (v) => [...v.request.scopes] }),
  }),
});

const DeviceCodeInput = builder.inputType('DeviceCodeInput', {
  description: 'The user code a device shows.',
  fields: (t) => ({
    userCode: t.string({ required: true, description: 'As shown (XXXX-XXXX); case, spaces and the dash do not matter.' }),
  }),
});

const errors = (name: string) => ({
  types: [NotFoundError, RateLimitedError],
  union: { name, description: `The outcome of ${name.replace(/Result$/, '').replace(/^./, (c) => c.toLowerCase())}.` },
});

builder.queryField('deviceAuthorizationRequest', (t) => t.field({
  type: DeviceAuthorizationRequestRef,
  description: 'The signed-in user looks up the device request of a user code, to ask for consent. Wrong codes are counted (10 per 15 minutes).',
  authScopes: { signedIn: true },
  errors: errors('DeviceAuthorizationRequestResult'),
  args: { input: t.arg({ type: DeviceCodeInput, required: true, description: 'The user code.' }) },
  resolve: async (_root, { input }, ctx) => {
    const { userId } = firstPartySession(ctx.viewer);
    const view = await lookUpDeviceRequest(ctx.services, userId, input.userCode);
    if (view === undefined) throw new NotFoundError('The device request');
    return view;
  },
}));

for (const [name, approve] of [['approveDevice', true], ['denyDevice', false]] as const) {
  builder.mutationField(name, (t) => t.field({
    type: DeviceAuthorizationRequestRef,
    description: approve
      ? 'The signed-in user connects the device showing this user code: its polling then gets tokens (RFC 8628 §3.5). '
        + 'Without offline_access, its access ends with the session that approved.'
      : 'The signed-in user refuses the device showing this user code: its polling gets access_denied.',
    authScopes: { signedIn: true },
    errors: errors(`${name[0]!.toUpperCase()}${name.slice(1)}Result`),
    args: { input: t.arg({ type: DeviceCodeInput, required: true, description: 'The user code.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { userId, sessionId } = firstPartySession(ctx.viewer);
      const session = await findSession(ctx.services.database, sessionId);
      const decided = await decideDevice(ctx.services, {
        userId, sessionId, authTime: session?.authTime ?? new Date(), amr: session?.amr ?? [],
      }, input.userCode, approve, ctx.meta);
      if (decided === undefined) throw new NotFoundError('The device request');
      return decided;
    },
  }));
}
