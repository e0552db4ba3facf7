import { authed, el, fields, problemText, say, signedIn } from './app.js';
import { createPasskey, passkeyErrorText, passkeysSupported } from './passkeys.js';

const accountMessage = document.getElementById('account-message');
const emailForm = document.getElementById('email-form');
const emailMessage = document.getElementById('email-form-message');
const mfaMessage = document.getElementById('mfa-message');
const startForm = document.getElementById('totp-start-form');
const confirmForm = document.getElementById('totp-confirm-form');
const removeForm = document.getElementById('totp-remove-form');
const recoveryPanel = document.getElementById('recovery-panel');
const enrolOnly = new URLSearchParams(location.search).has('enrol');

function showEmail(me) {
  document.getElementById('email-current').textContent = me.email || 'none';
  const state = document.getElementById('email-state');
  state.textContent = me.email ? (me.emailVerified ? 'Verified' : 'Not verified') : '';
  state.hidden = !me.email;
}

const replaceForm = document.getElementById('recovery-replace-form');

function showFactor(enabled, recoveryLeft) {
  document.getElementById('mfa-state').textContent = enabled
    ? 'An authenticator app is on: signing in asks for its code.'
    : 'No second factor from an app: signing in asks for your password (and for a passkey, if you add one below).';
  startForm.hidden = enabled;
  confirmForm.hidden = true;
  removeForm.hidden = !enabled;
  replaceForm.hidden = !enabled;
  if (recoveryLeft !== undefined) document.getElementById('recovery-left').textContent = String(recoveryLeft);
}

function showRecoveryCodes(codes) {
  document.getElementById('recovery-codes').replaceChildren(...codes.map(c => {
    const item = document.createElement('li');
    const text = document.createElement('code');
    text.textContent = c;
    item.append(text);
    return item;
  }));
  recoveryPanel.hidden = false;
  recoveryPanel.focus();
}

emailForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { email, password } = fields(emailForm);
  if (!email || !password) {
    say(emailMessage, 'Enter the new address and your password.');
    return;
  }
  const result = await authed('PUT', '/v1/me/email', { email, password });
  if (result.ok) {
    emailForm.reset();
    say(emailMessage, `A link has been sent to ${email}. The new address takes effect when you open it.`, 'ok');
  } else {
    say(emailMessage, problemText(result));
  }
});

const svgElements = new Set(['svg', 'g', 'rect', 'path']);
const svgAttributes = new Set(['viewBox', 'width', 'height', 'x', 'y', 'fill', 'd', 'shape-rendering', 'transform', 'version']);

// Note: the QR code comes as SVG markup. It is parsed inert (DOMParser runs no script) and copied element by element
// with a short allow-list of tags and attributes, so nothing active (script, event handlers, links, foreignObject,
// style attributes the CSP would refuse anyway) can reach the page; never innerHTML.
function qrImage(markup) {
  const parsed = new DOMParser().parseFromString(markup, 'image/svg+xml').documentElement;
  const copy = source => {
    if (!svgElements.has(source.localName)) return null;
    const node = document.createElementNS('http://www.w3.org/2000/svg', source.localName);
    for (const attribute of source.attributes) {
      if (svgAttributes.has(attribute.name) && !/url\s*\(|javascript:/i.test(attribute.value)) node.setAttribute(attribute.name, attribute.value);
    }
    for (const child of source.children) {
      const copied = copy(child);
      if (copied) node.append(copied);
    }
    return node;
  };
  const svg = parsed.localName === 'svg' ? copy(parsed) : null;
  if (svg) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'QR code of the authenticator key');
  }
  return svg;
}

startForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { password } = fields(startForm);
  if (!password) {
    say(mfaMessage, 'Enter your password.', 'error');
    return;
  }
  const result = await authed('POST', '/v1/me/mfa/totp', { password });
  startForm.reset();
  if (!result.ok) {
    say(mfaMessage, problemText(result));
    return;
  }
  say(mfaMessage, '');
  const qr = qrImage(result.data.qrSvg);
  document.getElementById('totp-qr').replaceChildren(...(qr ? [qr] : []));
  document.getElementById('totp-secret').value = result.data.secret;
  startForm.hidden = true;
  confirmForm.hidden = false;
  confirmForm.code.focus();
});

confirmForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { code } = fields(confirmForm);
  if (!code) {
    say(mfaMessage, 'Enter the code the app shows.');
    return;
  }
  const result = await authed('POST', '/v1/me/mfa/totp/confirm', { code: code.replace(/\s+/g, '') });
  confirmForm.code.value = '';
  if (!result.ok) {
    say(mfaMessage, problemText(result));
    return;
  }
  document.getElementById('totp-qr').replaceChildren();
  document.getElementById('totp-secret').value = '';
  showFactor(true);
  document.getElementById('mfa-policy').hidden = true;
  say(mfaMessage, 'The authenticator app is on.', 'ok');
  showRecoveryCodes(result.data.recoveryCodes);
  document.getElementById('recovery-left').textContent = String(result.data.recoveryCodes.length);
});

replaceForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { code } = fields(replaceForm);
  if (!code) {
    say(mfaMessage, 'Enter a code from the app.');
    return;
  }
  const result = await authed('POST', '/v1/me/mfa/recovery-codes', { code: code.replace(/\s+/g, '') });
  replaceForm.reset();
  if (!result.ok) {
    say(mfaMessage, problemText(result));
    return;
  }
  say(mfaMessage, 'New recovery codes are made; the old ones no longer work.', 'ok');
  document.getElementById('recovery-left').textContent = String(result.data.recoveryCodes.length);
  showRecoveryCodes(result.data.recoveryCodes);
});

document.getElementById('recovery-copy').addEventListener('click', async () => {
  const codes = Array.from(document.querySelectorAll('#recovery-codes code'), c => c.textContent).join('\n');
  const copied = document.getElementById('recovery-copied');
  try {
    await navigator.clipboard.writeText(codes);
    copied.textContent = 'Copied to the clipboard.';
  } catch {
    getSelection().selectAllChildren(document.getElementById('recovery-codes'));
    copied.textContent = 'Copying is not allowed here: the codes are selected, copy them with Ctrl+C.';
  }
});
document.getElementById('recovery-done').addEventListener('click', () => {
  document.getElementById('recovery-codes').replaceChildren();
  document.getElementById('recovery-copied').textContent = '';
  recoveryPanel.hidden = true;
  // Note: a session that was confined to enrolment is a full one now.
  if (enrolOnly) location.assign('/devices');
});

removeForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { password, code } = fields(removeForm);
  if (!password || !code) {
    say(mfaMessage, 'Enter your password and a code from the app.');
    return;
  }
  const result = await authed('DELETE', '/v1/me/mfa/totp', { password, code: code.replace(/\s+/g, '') });
  removeForm.reset();
  if (!result.ok) {
    say(mfaMessage, problemText(result));
    return;
  }
  showFactor(false);
  say(mfaMessage, 'The authenticator app and the recovery codes are removed.', 'ok');
});

// Passkeys: the list with a remove button each, and adding one (registration options, the browser's authenticator,
// the answer). Both need a recent sign-in; authed() asks for it in the step-up dialog when it is not.
const passkeyMessage = document.getElementById('passkey-message');
const passkeyForm = document.getElementById('passkey-add-form');

const dateText = value => new Date(value).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

async function showPasskeys() {
  const result = await authed('GET', '/v1/me/mfa/passkeys');
  const list = result.ok ? result.data : [];
  document.getElementById('passkey-none').hidden = list.length > 0;
  document.getElementById('passkey-list').replaceChildren(...list.map(passkey => el('li', {},
    el('strong', {}, passkey.name), ' ',
    el('span', { className: 'hint' }, `added ${dateText(passkey.createdAt)}`
      + (passkey.lastUsedAt ? `, last used ${dateText(passkey.lastUsedAt)}` : ', never used')
      + (passkey.backedUp ? ', synced' : '')), ' ',
    el('button', { type: 'button', className: 'danger', ariaLabel: `Remove passkey ${passkey.name}`, onclick: () => removePasskey(passkey) }, 'Remove'))));
}

async function removePasskey(passkey) {
  const result = await authed('DELETE', `/v1/me/mfa/passkeys/${passkey.id}`);
  if (!result.ok) {
    say(passkeyMessage, problemText(result));
    return;
  }
  say(passkeyMessage, `The passkey ${passkey.name} is removed.`, 'ok');
  await showPasskeys();
}

passkeyForm.addEventListener('submit', async event => {
  event.preventDefault();
  const { name } = fields(passkeyForm);
  if (!passkeysSupported()) {
    say(passkeyMessage, 'This browser cannot use passkeys here.');
    return;
  }
  const options = await authed('POST', '/v1/me/mfa/passkeys/options');
  if (!options.ok) {
    say(passkeyMessage, problemText(options));
    return;
  }
  let credential;
  try {
    credential = await createPasskey(options.data.options);
  } catch (error) {
    say(passkeyMessage, passkeyErrorText(error));
    return;
  }
  const result = await authed('POST', '/v1/me/mfa/passkeys', { ceremonyId: options.data.ceremonyId, credential, ...(name ? { name } : {}) });
  if (!result.ok) {
    say(passkeyMessage, problemText(result));
    return;
  }
  passkeyForm.reset();
  say(passkeyMessage, `The passkey ${result.data.name} is added.`, 'ok');
  await showPasskeys();
  // Note: a session that was confined to enrolment is a full one now.
  if (enrolOnly) location.assign('/devices');
});

const me = await signedIn();
if (me) {
  showEmail(me);
  const mfa = await authed('GET', '/v1/me/mfa');
  showFactor(mfa.ok && mfa.data.totp === true, mfa.ok ? mfa.data.recoveryCodesLeft : undefined);
  await showPasskeys();
}
if (enrolOnly) {
  document.getElementById('mfa-policy').hidden = false;
  say(accountMessage, '');
  document.getElementById('mfa').focus();
}
