/** Where the hosted pages' one script is served (oauth/routes.ts); same origin, so `script-src 'self'` covers it. */
export const PASSKEY_SCRIPT_PATH = '/oauth/passkey.js';

/**
 * The passkey ceremony of a hosted page, as a static first-party file: for each form carrying
 * `data-passkey-options`, shown only where the browser can run it, navigator.credentials.get() with
 * those options, then the credential's JSON posted in the form's `passkey` field. A refusal or a
 * cancel leaves the page as it was, with a message.
 */
export const PASSKEY_SCRIPT = `'use strict';
(function () {
  var supported = typeof PublicKeyCredential === 'function' && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function';
  document.querySelectorAll('form[data-passkey-options]').forEach(function (form) {
    if (!supported) return;
    form.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var status = form.querySelector('[data-passkey-status]');
      status.textContent = '';
      var publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(JSON.parse(form.getAttribute('data-passkey-options')));
      navigator.credentials.get({ publicKey: publicKey }).then(function (credential) {
        form.querySelector('input[name="passkey"]').value = JSON.stringify(credential.toJSON());
        form.submit();
      }, function () {
        status.textContent = form.getAttribute('data-passkey-failed');
      });
    });
  });
})();
`;

/** GET /oauth/passkey.js: the script, cacheable for an hour, never sniffed as anything else. */
export function passkeyScriptResponse(): Response {
  return new Response(PASSKEY_SCRIPT, {
    headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' },
  });
}
