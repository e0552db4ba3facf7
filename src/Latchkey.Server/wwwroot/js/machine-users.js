import { authed, el, fields, pagedList, problemText, say, signedIn, time } from './app.js';

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

function row(machine) {
  return el('tr', { dataset: { machine: machine.userId } },
    el('td', {}, machine.name),
    el('td', {}, machine.scopes.length ? machine.scopes.map(s => el('code', {}, s)).flatMap((c, i) => i ? [' ', c] : [c]) : 'none'),
    el('td', { dataset: { label: 'Created' } }, time(machine.createdAt)),
    el('td', { dataset: { label: 'Last used' } }, time(machine.lastUsedAt)),
    el('td', { className: 'actions' },
      el('button', {
        type: 'button', className: 'secondary', ariaLabel: `Rotate token of ${machine.name}`,
        onclick: async () => {
          const result = await authed('POST', `/v1/machine-users/${machine.userId}/token`);
          if (result.ok) showToken(machine.name, result.data.token);
          else say(message, problemText(result));
        },
      }, 'Rotate token'),
      el('button', {
        type: 'button', className: 'danger', ariaLabel: `Delete ${machine.name}`,
        onclick: async () => {
          if (!confirm(`Delete ${machine.name}? Its token stops working at once.`)) return;
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
