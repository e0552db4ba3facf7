import { afterSignIn, api, appId, codeBody, fields, problemText, returnUrl, say } from './app.js';
import { getPasskey, passkeyErrorText, passkeysSupported } from './passkeys.js';

const form = document.getElementById('login-form');
const message = document.getElementById('login-message');
if (new URLSearchParams(location.search).has('created')) {
  say(message, 'Your account is ready. Sign in with it.', 'ok');
}
if (new URLSearchParams(location.search).has('reset')) {
  say(message, 'Your password has been changed and every device signed out. Sign in with the new password.', 'ok');
}
if (new URLSearchParams(location.search).has('invited')) {
  say(message, 'Your account is ready. Sign in with your e-mail address and the password you chose.', 'ok');
}
// Note: the reason comes from the address, so only the known names are shown, each with its own fixed sentence.
const signedOutBecause = {
  expired: 'your session reached its maximum lifetime',
  idle: 'your session was unused for too long',
  revoked_by_admin: 'an administrator ended your session',
  replaced: 'you signed in again from this browser',
  password_changed: 'your password was changed',
  password_reset: 'your password was reset',
  user_disabled: 'your account was disabled',
  user_deleted: 'your account was deleted',
  leaked: 'your session key was reported as leaked',
  session_evicted: 'you signed in on too many devices',
  tenant_policy: "your organisation's policy changed",
};
const params = new URLSearchParams(location.search);
if (params.get('reason') === 'logged_out') {
  // Note: this page is only sent here with a reason when a request with the session failed, so a session ended by
  // signing out was ended elsewhere: on another device (or in another tab) of this person.
  say(message, 'You were signed out on another device (this session was ended there). Please sign in again.', 'ok');
} else if (Object.hasOwn(signedOutBecause, params.get('reason') ?? '')) {
  say(message, `You were signed out because ${signedOutBecause[params.get('reason')]}. Please sign in again.`, 'ok');
} else if (params.has('ended')) {
  say(message, 'Your session has ended. Please sign in again.', 'ok');
}

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { login, password } = fields(form);
  if (!login || !password) {
    say(message, 'Enter your login and your password.');
    (login ? form.password : form.login).focus();
    return;
  }
  // Note: useCookies=true: the key goes into the HttpOnly cookie and the answer carries none for script to read.
  const result = await api('POST', '/v1/login?useCookies=true', { login, password, appId: appId() });
  if (result.ok && result.data?.mfaRequired) {
    askForCode(result.data.mfaToken, result.data.methods || []);
    return;
  }
  if (result.ok) {
    await afterSignIn(returnUrl());
    return;
  }
  form.password.value = '';
  form.password.focus();
  // Note: the server answers one way for an unknown login and a wrong password; so does this page. A failure that
  // starts a delay says so in Retry-After, and the page counts it down with the button held back, so the next try is
  // never answered "too many attempts" and the message never flips between the two.
  const wait = Number.parseInt(result.headers?.get('Retry-After') ?? '', 10);
  const text = result.status === 401 ? 'The login or password is wrong.'
    : result.status === 429 ? 'Too many failed sign-ins.'
      : problemText(result);
  if ((result.status === 401 || result.status === 429) && wait > 0) countDown(text, wait);
  else say(message, text);
});

// Note: one interval at a time; a new answer replaces the countdown of the previous one.
let countdown = null;

/** Shows text with "Try again in N s." counting down to the end of the delay, with the sign-in button held back. */
function countDown(text, seconds) {
  const submit = form.querySelector('button[type="submit"]');
  const endsAt = Date.now() + seconds * 1000;
  clearInterval(countdown);
  let shownLeft = null;
  const tick = () => {
    const left = Math.ceil((endsAt - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(countdown);
      countdown = null;
      submit.disabled = false;
      say(message, text);
      return;
    }
    submit.disabled = true;
    // Note: the text changes once a second, not on every tick, so that a screen reader is not kept re-reading it.
    if (left !== shownLeft) say(message, `${text} Try again in ${left} s.`);
    shownLeft = left;
  };
  tick();
  countdown = setInterval(tick, 250);
}

// The second step for a person with a second factor: the mfaToken of the password step (kept in this closure only,
// never stored) and a code, with the same app id and cookie mode, open the session.
const mfaForm = document.getElementById('mfa-form');
const mfaMessage = document.getElementById('mfa-message');
let mfaToken = null;

function askForCode(token, methods) {
  mfaToken = token;
  form.reset();
  form.hidden = true;
  mfaForm.hidden = false;
  const passkey = methods.includes('passkey') && passkeysSupported();
  document.getElementById('mfa-passkey-row').hidden = !passkey;
  // Note: a person with a passkey only has no code to type: the passkey is the second step.
  const codes = methods.includes('totp');
  for (const id of ['mfa-code', 'mfa-hint']) document.getElementById(id).hidden = !codes;
  mfaForm.querySelector('label[for="mfa-code"]').hidden = !codes;
  mfaForm.querySelector('button[type="submit"]').hidden = !codes;
  if (codes) {
    mfaForm.code.focus();
  } else {
    document.getElementById('mfa-passkey').textContent = 'Use your passkey';
    document.getElementById('mfa-passkey').focus();
  }
}

/**
 * A passkey ceremony for the sign-in: options from the server (bound to this page's app id, and to the mfaToken for
 * a second step), the browser's authenticator, then the answer; resolves to the server's answer or null if the
 * browser's ceremony ended without one (the message says why).
 */
async function passkeyCeremony(optionsBody, answerPath, answerBody, messageElement) {
  const options = await api('POST', '/v1/login/passkey/options', optionsBody);
  if (!options.ok) {
    say(messageElement, problemText(options));
    return null;
  }
  let credential;
  try {
    credential = await getPasskey(options.data.options);
  } catch (error) {
    say(messageElement, passkeyErrorText(error));
    return null;
  }
  return api('POST', answerPath, { ...answerBody(credential), ceremonyId: options.data.ceremonyId });
}

if (passkeysSupported()) {
  document.getElementById('passkey-signin-row').hidden = false;
}

// Password-less: a discoverable passkey names its person; the session is bound to this page's app id like a
// password login's.
document.getElementById('passkey-signin').addEventListener('click', async () => {
  say(message, '');
  const result = await passkeyCeremony({ appId: appId() }, '/v1/login/passkey?useCookies=true',
    credential => ({ appId: appId(), credential }), message);
  if (!result) return;
  if (result.ok) {
    await afterSignIn(returnUrl());
    return;
  }
  say(message, result.status === 401 ? 'This passkey was not accepted. Sign in with your password instead.' : problemText(result));
});

document.getElementById('mfa-passkey').addEventListener('click', async () => {
  say(mfaMessage, '');
  const result = await passkeyCeremony({ appId: appId(), mfaToken }, '/v1/login/mfa?useCookies=true',
    passkey => ({ mfaToken, appId: appId(), passkey }), mfaMessage);
  if (!result) return;
  if (result.ok) {
    await afterSignIn(returnUrl());
    return;
  }
  say(mfaMessage, result.status === 401 ? 'The passkey was not accepted, or the sign-in has expired. Start again with your password.' : problemText(result));
});

mfaForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { code } = fields(mfaForm);
  if (!code) {
    say(mfaMessage, 'Enter a code.');
    return;
  }
  const result = await api('POST', '/v1/login/mfa?useCookies=true', { mfaToken, appId: appId(), ...codeBody(code) });
  if (result.ok) {
    await afterSignIn(returnUrl());
    return;
  }
  mfaForm.code.value = '';
  mfaForm.code.focus();
  // Note: a dead mfaToken (too many wrong codes, expired) needs the password again.
  say(mfaMessage, result.status === 401 ? 'The code is wrong or has expired. Try again, or start again with your password.' : problemText(result));
});
