import { builder } from '../graphql/builder.ts';
import {
  connection, connectionType, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize,
} from '../graphql/pagination.ts';
import { listOutbox, type OutboxMail } from './outbox.ts';

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

const OutboxMailConnectionRef = connectionType(OutboxMailRef, { noun: 'mail', nouns: 'mails' });

builder.queryField('mailOutbox', (t) =>
  t.field({
    type: OutboxMailConnectionRef,
    description: 'The mails of the outbox, newest first (admins only).',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: async (_root, args, ctx) => {
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      // The bodies hold live links: no cache may keep them.
      ctx.state.noStore = true;
      const rows = await listOutbox(ctx.services.database, { after, limit: size + 1 });
      return connection(rows, size, (mail) => ({ at: mail.createdAt, id: mail.id }), after !== null);
    },
  }),
);
