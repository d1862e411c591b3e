import { SCOPES } from '../scopes.ts';

/** HTML-escapes text for element content and double-quoted attribute values. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`
    + `<title>${escape(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}`
    + `label,input,button{display:block;margin:.5rem 0}input{width:100%;padding:.4rem}button{padding:.5rem 1rem}`
    + `.error{color:#a00}</style></head><body>${body}</body></html>`;
}

function hiddenFields(params: ReadonlyMap<string, string>, csrf: string): string {
  const fields = [...params].map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`);
  return `${fields.join('')}<input type="hidden" name="csrf_token" value="${escape(csrf)}">`;
}

/** The page for a request that cannot be sent back to the client (unknown client, unregistered redirect URI). */
export function errorPage(message: string): string {
  return page('Cannot continue', `<h1>Cannot continue</h1><p class="error">${escape(message)}</p>`);
}

/** The sign-in form: email and password, posted back to /oauth/authorize with the request's parameters. */
export function signInPage(input: { clientName: string; params: ReadonlyMap<string, string>; csrf: string; error?: string }): string {
  return page(`Sign in to continue to ${input.clientName}`, `<h1>Sign in</h1>`
    + `<p>to continue to <strong>${escape(input.clientName)}</strong></p>`
    + (input.error === undefined ? '' : `<p class="error" role="alert">${escape(input.error)}</p>`)
    + `<form method="post" action="/oauth/authorize">${hiddenFields(input.params, input.csrf)}`
    + `<label>Email <input type="email" name="email" autocomplete="username" required></label>`
    + `<label>Password <input type="password" name="password" autocomplete="current-password" required></label>`
    + `<button type="submit" name="action" value="signin">Sign in</button></form>`);
}

/** The consent form: what the client asks for, Allow or Deny. */
export function consentPage(input: {
  clientName: string; email: string; scopes: readonly string[]; params: ReadonlyMap<string, string>; csrf: string;
}): string {
  const items = input.scopes.map((scope) => `<li><code>${escape(scope)}</code>: ${escape(SCOPES[scope as keyof typeof SCOPES] ?? scope)}</li>`);
  return page(`Allow ${input.clientName}?`, `<h1>Allow ${escape(input.clientName)}?</h1>`
    + `<p>Signed in as <strong>${escape(input.email)}</strong>. <strong>${escape(input.clientName)}</strong> asks to:</p>`
    + `<ul>${items.join('')}</ul>`
    + `<form method="post" action="/oauth/authorize">${hiddenFields(input.params, input.csrf)}`
    + `<button type="submit" name="action" value="allow">Allow</button>`
    + `<button type="submit" name="action" value="deny">Deny</button></form>`);
}
