import { builder } from '../graphql/builder.ts';
import { listOutbox, OUTBOX_PAGE_MAX, type OutboxMail } from './outbox.ts';

const OutboxMailRef = builder.objectRef<OutboxMail>('OutboxMail').implement({
  description:
    'A mail the server wrote. Without SMTP_URL every mail stays here unsent, and this is how an operator reads it; with SMTP_URL its bodies are cleared once the relay accepts it.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The mail\'s id, as the log names it.' }),
    to: t.exposeString('to', { description: 'The recipient\'s address.' }),
    subject: t.exposeString('subject', { description: 'The subject line.' }),
    text: t.exposeString('text', { nullable: true, description: 'The plain-text body; null once sent. It may hold a live link: treat it as a secret.' }),
    html: t.exposeString('html', { nullable: true, description: 'The HTML body; null once sent.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the mail was written.' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true, description: 'When the SMTP relay accepted it; null while it waits here.' }),
  }),
});

builder.queryField('mailOutbox', (t) =>
  t.field({
    type: [OutboxMailRef],
    description: 'The newest mails of the outbox, newest first (admins only).',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({ defaultValue: 20, description: `How many mails, from 1 to ${OUTBOX_PAGE_MAX}.` }),
    },
    resolve: (_root, { first }, ctx) => {
      // The bodies hold live links: no cache may keep them.
      ctx.state.noStore = true;
      return listOutbox(ctx.services.database, first ?? 20);
    },
  }),
);
