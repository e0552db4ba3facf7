// The web UI's shared module: API calls over the HttpOnly session cookie, the signed-in menu, and small DOM helpers.
// Note: the page never holds the API key: login puts it into an HttpOnly cookie, and every call here is a
// same-origin fetch that the browser sends that cookie with.

import { getPasskey, passkeyErrorText, passkeysSupported } from './passkeys.js';

/** Calls the v1 API; resolves to { ok, status, data } with data parsed from JSON (or null). */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  return { ok: response.ok, status: response.status, data, headers: response.headers };
}

/**
 * The first-party UI's app id: one per browser profile (not a secret), so signing in again from the same browser
 * replaces its previous session instead of leaving an orphan in the list of devices.
 */
export function appId() {
  let id = localStorage.getItem('latchkey.ui.appId');
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = 'web-' + Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem('latchkey.ui.appId', id);
  }
  return id;
}

/** Whether an answer asks for a second factor to be enrolled first (the tenant's mfaRequiredFor policy). */
function enrolmentOnly(result) {
  return result.status === 403 && result.data?.policy === 'mfaRequiredFor';
}

/** Whether an answer says the person must first choose their own password (their first was set by an admin). */
function mustChangePassword(result) {
  return result.status === 403 && result.data?.required === 'mustChangePassword';
}

/** The page where a person whose first password an admin set chooses their own. */
export const choosePasswordPath = '/password';

/**
 * Where to go once signed in: a person whose first password an admin set chooses their own first; a session confined
 * to enrolling a second factor goes straight to enrolment.
 */
export async function afterSignIn(target) {
  const probe = await api('GET', '/v1/sessions');
  location.assign(mustChangePassword(probe) ? choosePasswordPath
    : enrolmentOnly(probe) ? '/account?enrol=1' : target);
}

/** A typed code as the API wants it: six digits are an authenticator code, anything else a recovery code. */
export function codeBody(code) {
  const trimmed = code.replace(/\s+/g, '');
  return /^\d{6}$/.test(trimmed) ? { code: trimmed } : { recoveryCode: code.trim() };
}

/**
 * Like api(), but a 401 (session ended elsewhere, expired) sends the person to sign in again; a 401 asking for a
 * recent authentication (RFC 9470 step-up) asks for the password (and code) in a dialog and repeats the call; a
 * person who must choose their own password goes to do that; a session confined to enrolment goes to enrolment.
 */
export async function authed(method, path, body) {
  let result = await api(method, path, body);
  if (result.status === 401 && (result.headers.get('WWW-Authenticate') || '').includes('insufficient_user_authentication')) {
    if (await reauthenticate()) {
      result = await api(method, path, body);
    } else {
      return result;
    }
  }
  if (mustChangePassword(result) && location.pathname !== choosePasswordPath) {
    location.assign(choosePasswordPath);
    return new Promise(() => {});
  }
  if (enrolmentOnly(result) && location.pathname !== '/account') {
    location.assign('/account?enrol=1');
    return new Promise(() => {});
  }
  if (result.status === 401 && !(result.headers.get('WWW-Authenticate') || '').includes('insufficient_user_authentication')) {
    // Note: the server's reason for a session that once worked (password_changed, ...) lets sign-in say why.
    const reason = typeof result.data?.reason === 'string' ? '&reason=' + encodeURIComponent(result.data.reason) : '';
    location.assign('/login?returnUrl=' + encodeURIComponent(location.pathname + location.search) + '&ended=1' + reason);
    return new Promise(() => {});
  }
  return result;
}

/**
 * The step-up dialog: the password, and a code when the person has a second factor, posted to
 * /v1/sessions/current/reauthenticate. Resolves true once this session counts as recently authenticated, false if
 * the person cancels.
 */
async function reauthenticate() {
  const mfa = await api('GET', '/v1/me/mfa');
  const withCode = mfa.ok && mfa.data.totp === true;
  const withPasskey = mfa.ok && mfa.data.passkeys > 0 && passkeysSupported();
  const message = el('p', { className: 'message', role: 'alert', hidden: true });
  const password = el('input', { id: 'reauth-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const code = withCode
    ? el('input', { id: 'reauth-code', name: 'code', autocomplete: 'one-time-code', required: true })
    : null;
  const cancel = el('button', { type: 'button', className: 'secondary' }, 'Cancel');
  const intro = 'This action needs you to have signed in recently. Enter your password'
    + (withCode && withPasskey ? ' and a code from your authenticator app, or confirm with your passkey.'
      : withCode ? ' and a code from your authenticator app.'
        : withPasskey ? ' and confirm with your passkey.' : '.');
  // Note: a person with a second factor needs it here too; a passkey is asked for by its own button.
  const passkeyButton = withPasskey
    ? el('button', { type: 'submit', name: 'passkey', className: withCode ? 'secondary' : '' }, 'Confirm with a passkey')
    : null;
  const form = el('form', { method: 'dialog', noValidate: true },
    el('h2', { id: 'reauth-title' }, 'Confirm it is you'),
    el('p', {}, intro),
    message,
    el('label', { htmlFor: 'reauth-password' }, 'Password'), password,
    withCode ? el('label', { htmlFor: 'reauth-code' }, 'Code from your authenticator app, or a recovery code') : null, code,
    withCode || !withPasskey ? el('button', { type: 'submit' }, 'Confirm') : null, ' ', passkeyButton, ' ', cancel);
  const dialog = el('dialog', { className: 'card', ariaLabel: 'Confirm it is you' }, form);
  dialog.setAttribute('aria-labelledby', 'reauth-title');
  document.body.append(dialog);
  dialog.showModal();
  password.focus();
  return new Promise(resolve => {
    const close = ok => { dialog.close(); dialog.remove(); resolve(ok); };
    cancel.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', () => close(false));
    form.addEventListener('submit', async event => {
      event.preventDefault();
      const usePasskey = event.submitter?.name === 'passkey';
      if (!password.value || (code && !usePasskey && !code.value)) {
        say(message, usePasskey || !withCode ? 'Enter your password.' : 'Enter your password and a code.');
        return;
      }
      let factor = code && !usePasskey ? codeBody(code.value) : {};
      if (usePasskey) {
        const options = await api('POST', '/v1/sessions/current/reauthenticate/passkey-options');
        if (!options.ok) {
          say(message, problemText(options));
          return;
        }
        try {
          factor = { ceremonyId: options.data.ceremonyId, passkey: await getPasskey(options.data.options) };
        } catch (error) {
          say(message, passkeyErrorText(error));
          return;
        }
      }
      const result = await api('POST', '/v1/sessions/current/reauthenticate', { password: password.value, ...factor });
      if (result.ok) {
        close(true);
        return;
      }
      password.value = '';
      if (code) code.value = '';
      say(message, result.status === 401 || result.status === 400
        ? (usePasskey ? 'The password or the passkey was not accepted.' : 'The password or code is wrong.')
        : problemText(result));
      password.focus();
    });
  });
}

/** A readable sentence for a problem+json answer; field errors first. */
export function problemText(result) {
  const problem = result.data || {};
  if (problem.errors) {
    return Object.values(problem.errors).flat().join(' ');
  }
  if (result.status === 429) {
    const wait = result.headers.get('Retry-After');
    return 'Too many attempts. Try again' + (wait ? ` in ${wait} seconds.` : ' later.');
  }
  if (result.status === 503) {
    return 'The service is unavailable right now. Try again shortly.';
  }
  return problem.detail || problem.title || `Something went wrong (${result.status}).`;
}

/** Shows text in a message element (role=alert/status announces it); kind is 'error' or 'ok'. */
export function say(element, text, kind = 'error') {
  element.textContent = text;
  element.className = `message ${kind}`;
  element.hidden = !text;
}

/** Builds an element without innerHTML: properties are set, children appended (strings become text). */
export function el(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(properties)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'ariaLabel') node.setAttribute('aria-label', value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A <time> element for an ISO instant, readable in the person's locale. */
export function time(iso) {
  if (!iso) return '—';
  return el('time', { dateTime: iso, title: iso }, dateFormat.format(new Date(iso)));
}

/** Reads a form's named fields into an object of strings. */
export function fields(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** The signed-in page's menu: who is signed in, admin links for owners and admins, and signing out. */
export async function signedIn() {
  const me = await authed('GET', '/v1/me');
  const isAdmin = me.ok && me.data.roles.some(r => r === 'owner' || r === 'admin');
  for (const item of document.querySelectorAll('[data-admin]')) item.hidden = !isAdmin;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === location.pathname) link.setAttribute('aria-current', 'page');
  }
  const who = document.getElementById('who-login');
  if (who && me.ok) who.textContent = me.data.login;
  document.getElementById('logout')?.addEventListener('click', async () => {
    await api('DELETE', '/v1/sessions/current');
    location.assign('/login');
  });
  return me.data;
}

/**
 * A local path to go back to after signing in; anything else becomes /devices. Note: a prefix check is not enough:
 * browsers strip TAB, CR and LF from a URL and read a backslash as a slash, so "/\t/evil.example" would become
 * "//evil.example", another site. The target is parsed as the browser will parse it, must keep this origin, and what
 * is returned is the parsed path, so what is followed is what was checked. The server drops a bad returnUrl too.
 */
export function returnUrl() {
  const target = new URLSearchParams(location.search).get('returnUrl');
  if (!target || !target.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(target)) return '/devices';
  let url;
  try { url = new URL(target, location.origin); } catch { return '/devices'; }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : '/devices';
}

/** The next page's address from a list's answer (`Link: <…>; rel="next"`), or null on the last page. */
export function nextPage(result) {
  const match = /<(\/[^>]*)>;\s*rel="next"/.exec(result.headers?.get('Link') ?? '');
  return match ? match[1] : null;
}

/**
 * A paged list (GET /v1/sessions, /v1/users, /v1/machine-users): reload() shows the first page, the "More" button the
 * next one after what is shown (the server's Link rel=next), and hides itself on the last page; reload(newPath) starts
 * from another first page (e.g. a search). render(result, append)
 * draws an answer: replacing the rows, or adding to them.
 */
export function pagedList(path, more, render) {
  let next = null;
  async function load(url, append) {
    const result = await authed('GET', url);
    next = result.ok ? nextPage(result) : null;
    more.hidden = !next;
    render(result, append);
  }
  more.addEventListener('click', () => { if (next) load(next, true); });
  // Note: reload(newPath) starts over from another first page (a search); "More" then follows that list's cursor.
  return { reload: newPath => load(path = newPath ?? path, false) };
}
