import { escapeHtml } from '../pages/html.ts';
import type { MailMessage } from './send.ts';

interface LinkMailInput {
  readonly to: string;
  readonly subject: string;
  /** Paragraphs before the link. */
  readonly intro: readonly string[];
  /** What following the link does, as a button label: "Verify my address". */
  readonly action: string;
  readonly link: string;
  /** Paragraphs after the link: how long it works, what to do if you did not ask. */
  readonly outro: readonly string[];
}

const paragraph = (line: string) => `<p style="margin:0 0 16px">${escapeHtml(line)}</p>`;

/** The HTML document of a mail around `body` (already escaped). */
const htmlDocument = (subject: string, body: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:560px;margin:0 auto;padding:24px">
${body}
</body></html>`;

/** A mail that only tells something (no link to follow), as plain text and as HTML, every piece escaped. */
export function composeNoticeMail(input: { to: string; subject: string; paragraphs: readonly string[] }): MailMessage {
  const html = htmlDocument(input.subject, input.paragraphs.map(paragraph).join('\n'));
  return { to: input.to, subject: input.subject, text: input.paragraphs.join('\n\n'), html };
}

/**
 * A mail whose point is one link, as plain text and as HTML. Every piece of text is escaped in the
 * HTML; the link also appears in full, for clients that show no buttons.
 */
export function composeLinkMail(input: LinkMailInput): MailMessage {
  const text = [...input.intro, `${input.action}:\n${input.link}`, ...input.outro].join('\n\n');
  const href = escapeHtml(input.link);
  const html = htmlDocument(input.subject, `${input.intro.map(paragraph).join('\n')}
<p style="margin:24px 0"><a href="${href}" style="background:#1a56db;color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(input.action)}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#555">Or open this link: <a href="${href}" style="word-break:break-all">${href}</a></p>
${input.outro.map(paragraph).join('\n')}`);
  return { to: input.to, subject: input.subject, text, html };
}


