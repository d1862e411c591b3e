import type { Viewer } from '../viewer.ts';
import { builder } from './builder.ts';

export const CredentialKindEnum = builder.enumType('CredentialKind', {
  description: 'How the request proved who it is.',
  values: {
    ANONYMOUS: { description: 'No credential.' },
    ACCESS_TOKEN: { description: 'A JWT access token in the Authorization header.' },
    API_KEY: { description: 'An API key in the Authorization or X-API-Key header.' },
    SESSION_COOKIE: { description: 'The session cookie of a COOKIE sign-in.' },
  } as const,
});

/** The caller: other capabilities add their fields to it (user, session, apiKey). */
export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who is calling and what the credential may do.',
  fields: (t) => ({
    credential: t.field({
      type: CredentialKindEnum,
      description: 'How the request proved who it is.',
      resolve: (viewer) => viewer.credential,
    }),
    scopes: t.stringList({
      description: 'What this credential may do.',
      resolve: (viewer) => [...viewer.scopes],
    }),
  }),
});

builder.queryType({ description: 'Everything a client can read.' });
builder.mutationType({ description: 'Everything a client can change.' });

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    description: 'The caller, as its credential shows it; ANONYMOUS without one.',
    resolve: (_root, _args, ctx) => ctx.viewer,
  }),
);
