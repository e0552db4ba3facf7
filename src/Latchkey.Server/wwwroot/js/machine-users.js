import { authed, el, fields, pagedList, problemText, say, signedIn, time } from './app.js';
import { confirmAction } from './confirm.js';

const body = document.querySelector('#machines tbody');
const message = document.getElementById('machines-message');
const form = document.getElementById('machine-form');
const formMessage = document.getElementById('machine-form-message');
const panel = document.getElementById('token-panel');
const tokenValue = document.getElementById('token-value');
const copied = document.getElementById('token-copied');

// Note: the token exists in this page only until the person closes the panel; the server keeps a digest of it.
function showToken(name, token) {
  document.getElementById('token-name').textContent = name;
  tokenValue.value = token;
  copied.textContent = '';
  panel.hidden = false;
  panel.focus();
}

document.getElementById('token-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(tokenValue.value);
    copied.textContent = 'Copied to the clipboard.';
  } catch {
    tokenValue.select();
    copied.textContent = 'Copying is not allowed here: the token is selected, copy it with Ctrl+C.';
  }
});
document.getElementById('token-done').addEventListener('click', () => {
  tokenValue.value = '';
  panel.hidden = true;
  document.getElementById('main').focus();
});

// Note: the grace periods offered when a token is rotated (POST /v1/machine-users/{id}/token, graceSeconds).
const graces = [[0, 'Stops working now'], [3600, 'Keeps working for 1 hour'], [86400, 'Keeps working for 1 day'], [604800, 'Keeps working for 7 days']];

async function rotate(machine) {
  const grace = el('select', { id: 'rotate-grace', name: 'grace' }, graces.map(([seconds, text]) => el('option', { value: String(seconds) }, text)));
  const confirmed = await confirmAction({
    title: `Rotate the token of ${machine.name}?`,
    text: [`A new token is made and shown once. The current token of ${machine.name} stops working, at once or after the`
      + ' grace period chosen here, so that whatever uses it can be given the new one first.'],
    extra: [el('label', { htmlFor: 'rotate-grace' }, 'The current token'), grace],
    action: 'Rotate token',
  });
  if (!confirmed) return;
  const graceSeconds = Number(grace.value);
  const result = await authed('POST', `/v1/machine-users/${machine.userId}/token`, graceSeconds ? { graceSeconds } : {});
  if (!result.ok) {
    say(message, problemText(result));
    return;
  }
  say(message, result.data.previousTokenValidUntil
    ? `The previous token of ${machine.name} keeps working until ${new Date(result.data.previousTokenValidUntil).toLocaleString()}.`
    : `The previous token of ${machine.name} no longer works.`, 'ok');
  await load();
  showToken(machine.name, result.data.token);
}

function row(machine) {
  return el('tr', { dataset: { machine: machine.userId } },
    el('td', {}, machine.name),
    el('td', {}, machine.scopes.length ? machine.scopes.map(s => el('code', {}, s)).flatMap((c, i) => i ? [' ', c] : [c]) : 'none'),
    el('td', { dataset: { label: 'Created' } }, time(machine.createdAt)),
    el('td', { dataset: { label: 'Token issued' } }, time(machine.tokenCreatedAt ?? machine.createdAt),
      machine.previousTokenValidUntil ? [el('br'), el('small', {}, 'previous token works until ', time(machine.previousTokenValidUntil))] : null),
    el('td', { dataset: { label: 'Last used' } }, time(machine.lastUsedAt)),
    el('td', { dataset: { label: 'Token expires' } }, machine.expiresAt ? time(machine.expiresAt) : 'Never'),
    el('td', { className: 'actions' },
      el('button', {
        type: 'button', className: 'secondary', ariaLabel: `Rotate token of ${machine.name}`, onclick: () => rotate(machine),
      }, 'Rotate token'),
      el('button', {
        type: 'button', className: 'danger', ariaLabel: `Delete ${machine.name}`,
        onclick: async () => {
          if (!await confirmAction({
            title: `Delete ${machine.name}?`,
            text: `${machine.name} is removed for good and its token stops working at once: whatever uses it is refused from its next request.`,
            action: 'Delete',
          })) return;
          const result = await authed('DELETE', `/v1/machine-users/${machine.userId}`);
          say(message, result.ok ? `Deleted ${machine.name}.` : problemText(result), result.ok ? 'ok' : 'error');
          await load();
        },
      }, 'Delete')));
}

const list = pagedList('/v1/machine-users?limit=50', document.getElementById('machines-more'), (result, append) => {
  if (!result.ok) {
    say(message, problemText(result));
    return;
  }
  if (append) body.append(...result.data.map(row));
  else body.replaceChildren(...result.data.map(row));
});
const load = () => list.reload();

form.addEventListener('submit', async event => {
  event.preventDefault();
  const { name, scopes } = fields(form);
  if (!name) {
    say(formMessage, 'Give the machine user a name.');
    return;
  }
  const result = await authed('POST', '/v1/machine-users', { name, scopes: scopes.split(/\s+/).filter(Boolean) });
  if (!result.ok) {
    say(formMessage, problemText(result));
    return;
  }
  form.reset();
  say(formMessage, '');
  await load();
  showToken(result.data.name, result.data.token);
});

await signedIn();
await load();
